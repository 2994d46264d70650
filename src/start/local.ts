import path from 'node:path';
import { ConfigError, SettingsReader, loadSettings, parseRegionConfig, type Env } from '../config/config.js';
import type { IdentityService } from '../services/identity/identity-service.js';
import { openIdentity } from './identity.js';
import { createLogger } from './logger.js';
import { ensureLocalKeyRing, loadLocalState, localStateFile, writePrivateJson, type LocalDemo } from './local-state.js';
import { createRegion, type Region } from './region.js';

export interface LocalMode {
  regions: Region[];
  identity: IdentityService;
  close(): Promise<void>;
}

/** The demo account, user and AK/SK, created once and kept in the local state. */
async function ensureDemo(identity: IdentityService, existing: LocalDemo | undefined): Promise<LocalDemo> {
  if (existing) return existing;
  await identity.createAccount('demo');
  const { password } = await identity.createUser('demo', 'demo');
  const { accessKey, secretKey } = await identity.createCredential('demo', { userName: 'demo', description: 'local mode demo key' });
  return { accountName: 'demo', userName: 'demo', password, accessKey, secretKey };
}

/**
 * Local mode: several regions in one process (default cn-north-4 and ap-southeast-3) on
 * consecutive ports, each with its own data folder, sharing one identity store.
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
  const keyRingFile = path.join(dataDir, 'keyring.json');
  ensureLocalKeyRing(keyRingFile);
  const logger = createLogger(settings.ASSETBRIDGE_LOG_LEVEL ?? 'info');
  const shared = {
    ...settings,
    ASSETBRIDGE_CONFIG_FILE: undefined,
    ASSETBRIDGE_HOST: host,
    ASSETBRIDGE_MASTER_KEY: state.masterKey,
    ASSETBRIDGE_IDENTITY_DATABASE_URL: settings.ASSETBRIDGE_IDENTITY_DATABASE_URL ?? `sqlite:${path.join(dataDir, 'identity.db')}`,
    ASSETBRIDGE_PUBLIC_ENDPOINT: undefined,
    ASSETBRIDGE_DATABASE_URL: undefined,
    ASSETBRIDGE_BLOB_DIR: undefined,
    ASSETBRIDGE_KEYRING_FILE: keyRingFile,
    ASSETBRIDGE_PEERS: undefined,
  };
  const configs = names.map((name, i) =>
    parseRegionConfig({
      ...shared,
      ASSETBRIDGE_REGION: name,
      ASSETBRIDGE_PORT: String(basePort === 0 ? 0 : basePort + i),
      ASSETBRIDGE_DATA_DIR: path.join(dataDir, name),
      ASSETBRIDGE_URL_SECRET: state.regions[name]?.urlSecret,
    }),
  );
  const first = configs[0];
  if (!first) throw new ConfigError(['no local regions']);
  const identity = await openIdentity(first.identity);
  const regions: Region[] = [];
  try {
    for (const config of configs) {
      const region = await createRegion(config, logger.child({ region: config.region }), { identity });
      regions.push(region);
      await region.listen();
    }
    // Every local region is a peer of every other (endpoints are known once bound).
    for (const region of regions) {
      for (const other of regions) {
        if (other !== region) region.config.replication.peers[other.config.region] = other.config.publicEndpoint;
      }
    }
    state.demo = await ensureDemo(identity, state.demo);
    writePrivateJson(localStateFile(dataDir), state);
    const account = await identity.account(state.demo.accountName);
    const projects = await identity.projects(account.name);
    writePrivateJson(path.join(dataDir, 'local.json'), {
      access_key: state.demo.accessKey,
      secret_key: state.demo.secretKey,
      account: { id: account.id, name: account.name },
      user: { name: state.demo.userName, password: state.demo.password },
      regions: regions.map((region) => ({
        name: region.config.region,
        endpoint: region.config.publicEndpoint,
        project_id: projects.find((p) => p.region === region.config.region)?.id,
      })),
    });
  } catch (err) {
    await Promise.allSettled(regions.map((region) => region.close()));
    await identity.close();
    throw err;
  }
  return {
    regions,
    identity,
    close: async () => {
      await Promise.allSettled(regions.map((region) => region.close()));
      await identity.close();
    },
  };
}
