import { ConfigError, endpointFor, parseLocalSettings, parseRegionSettings, type Env } from '../config/index.js';
import { boundHeapGrowth } from './heap.js';
import { createLogger } from './logger.js';
import { startLocal } from './local.js';
import { startRegion } from './region.js';

/**
 * Runs the server in this process until SIGINT or SIGTERM: `local` (every local region) or
 * `region` (one region from its settings). Resolves once every region listens.
 */
export async function runServer(mode: string, env: Env): Promise<void> {
  boundHeapGrowth();
  let close: () => Promise<void>;
  if (mode === 'region') {
    const settings = parseRegionSettings(env);
    const region = await startRegion(settings, createLogger(settings.logLevel, { region: settings.region, role: settings.role }), { defaultMetrics: true });
    const c = region.config;
    // A worker-only process answers health and metrics on its own address, not the region's public endpoint.
    if (c.role === 'worker') console.log(`assetbridge: region ${c.region} worker listening on ${endpointFor(c.host, c.port)} (/healthz, /readyz, /metrics only)`);
    else console.log(`assetbridge: region ${c.region} listening on ${c.publicEndpoint}${c.role === 'api' ? ' (role api: no background loops)' : ''}`);
    close = () => region.close();
  } else if (mode === 'local') {
    const local = await startLocal(parseLocalSettings(env));
    for (const region of local.regions) {
      console.log(`assetbridge: region ${region.config.region} listening on ${region.config.publicEndpoint}`);
    }
    console.log(`assetbridge: credentials and endpoints in ${local.localJsonFile}`);
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
