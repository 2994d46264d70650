#!/usr/bin/env node
import { ConfigError, parseRegionConfig } from '../config/config.js';
import { createLogger } from './logger.js';
import { startLocal } from './local.js';
import { createRegion } from './region.js';

/** Process entry: `local` (default: every local region in one process) or `region` (one, from config). */
async function main(mode: string): Promise<void> {
  const env = process.env;
  let close: () => Promise<void>;
  if (mode === 'region') {
    const config = parseRegionConfig(env);
    const region = await createRegion(config, createLogger(config.logLevel, { region: config.region }), { defaultMetrics: true });
    await region.listen();
    console.log(`assetbridge: region ${config.region} listening on ${config.publicEndpoint}`);
    close = () => region.close();
  } else if (mode === 'local') {
    const local = await startLocal(env);
    for (const region of local.regions) {
      console.log(`assetbridge: region ${region.config.region} listening on ${region.config.publicEndpoint}`);
    }
    const dataDir = env.ASSETBRIDGE_DATA_DIR ?? './data';
    console.log(`assetbridge: credentials and endpoints in ${dataDir}/local.json`);
    close = () => local.close();
  } else {
    throw new ConfigError([`unknown mode "${mode}" (expected local or region)`]);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`assetbridge: ${signal}, shutting down`);
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main(process.argv[2] ?? 'local').catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
