import path from 'node:path';
import { ConfigError, SettingsReader, loadSettings, parseRegionConfig, type Env } from '../config/config.js';
import { createLogger } from './logger.js';
import { loadLocalState, writePrivateJson } from './local-state.js';
import { createRegion, type Region } from './region.js';

export interface LocalMode {
  regions: Region[];
  close(): Promise<void>;
}

/**
 * Local mode: several regions in one process (default cn-north-4 and ap-southeast-3) on
 * consecutive ports, each with its own data folder, sharing one generated credential.
 */
export async function startLocal(env: Env): Promise<LocalMode> {
  const settings = loadSettings(env);
  const r = new SettingsReader(settings);
  const names = r.string('LOCAL_REGIONS', 'cn-north-4,ap-southeast-3').split(',').map((s) => s.trim());
  const basePort = r.int('PORT', 8080, 0, 65534);
  const host = r.string('HOST', '127.0.0.1');
  const dataDir = path.resolve(r.string('DATA_DIR', './data'));
  r.check(new Set(names).size === names.length && names.length > 0, 'ASSETBRIDGE_LOCAL_REGIONS must list distinct region names');
  r.done();

  const state = loadLocalState(dataDir, names);
  const logger = createLogger(settings.ASSETBRIDGE_LOG_LEVEL ?? 'info');
  const regions: Region[] = [];
  try {
    for (const [i, name] of names.entries()) {
      const own = state.regions[name];
      if (!own) throw new ConfigError([`no local state for region ${name}`]);
      const port = basePort === 0 ? 0 : basePort + i;
      const config = parseRegionConfig({
        ...settings,
        ASSETBRIDGE_CONFIG_FILE: undefined,
        ASSETBRIDGE_REGION: name,
        ASSETBRIDGE_PORT: String(port),
        ASSETBRIDGE_HOST: host,
        ASSETBRIDGE_DATA_DIR: path.join(dataDir, name),
        ASSETBRIDGE_PUBLIC_ENDPOINT: undefined,
        ASSETBRIDGE_DATABASE_URL: undefined,
        ASSETBRIDGE_BLOB_DIR: undefined,
        ASSETBRIDGE_URL_SECRET: own.urlSecret,
        ASSETBRIDGE_ACCESS_KEY: state.accessKey,
        ASSETBRIDGE_SECRET_KEY: state.secretKey,
        ASSETBRIDGE_PROJECT_ID: own.projectId,
        ASSETBRIDGE_ACCOUNT_ID: state.accountId,
      });
      const region = await createRegion(config, logger.child({ region: name }));
      regions.push(region);
      await region.listen();
    }
  } catch (err) {
    await Promise.allSettled(regions.map((region) => region.close()));
    throw err;
  }

  writePrivateJson(path.join(dataDir, 'local.json'), {
    access_key: state.accessKey,
    secret_key: state.secretKey,
    regions: regions.map((region) => ({
      name: region.config.region,
      endpoint: region.config.publicEndpoint,
      project_id: state.regions[region.config.region]?.projectId,
    })),
  });
  return {
    regions,
    close: async () => {
      await Promise.allSettled(regions.map((region) => region.close()));
    },
  };
}
