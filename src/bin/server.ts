#!/usr/bin/env node
// Process entry of the server: `node dist/bin/server.js [local|region] [--role api|worker|all]` (default local).
import { ConfigError } from '../config/index.js';
import { runServer } from '../start/main.js';

const [mode = 'local', ...rest] = process.argv.slice(2);
/** `--role X` (or `--role=X`) stands for ASSETBRIDGE_ROLE=X and wins over it. */
function roleFlag(args: string[]): Record<string, string> {
  const at = args.findIndex((a) => a === '--role' || a.startsWith('--role='));
  if (at < 0) return {};
  const value = args[at]?.includes('=') ? args[at].slice('--role='.length) : args[at + 1];
  return { ASSETBRIDGE_ROLE: value ?? '' };
}

runServer(mode, { ...process.env, ...roleFlag(rest) }).catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
