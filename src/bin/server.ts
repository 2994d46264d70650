#!/usr/bin/env node
// Process entry of the server: `node dist/bin/server.js [local|region]` (default local).
import { ConfigError } from '../config/index.js';
import { runServer } from '../start/main.js';

runServer(process.argv[2] ?? 'local', process.env).catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
