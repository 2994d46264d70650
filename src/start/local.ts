import { localRegionConfigs, type LocalSettings } from '../config/index.js';
import { makePrivateDir } from '../adapters/private-files.js';
import type { IdentityService } from '../services/identity/identity-service.js';
import { openIdentity } from './identity.js';
import { bindListener, type Listener } from './listener.js';
import { createLogger } from './logger.js';
import { ensureLocalKeyRing, loadLocalState, writeLocalState, writePrivateJson, type LocalDemo } from './local-state.js';
import { createRegion, loginGuard, type Region } from './region.js';

export interface LocalMode {
  regions: Region[];
  identity: IdentityService;
  /** Where the demo credentials and the regions' endpoints were written. */
  localJsonFile: string;
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

/** Binds every local region's socket: consecutive ports from the base one, or each a free one. */
async function bindAll(local: LocalSettings): Promise<Listener[]> {
  const listeners: Listener[] = [];
  try {
    for (const [i] of local.regions.entries()) {
      listeners.push(await bindListener(local.host, local.basePort === 0 ? 0 : local.basePort + i));
    }
    return listeners;
  } catch (err) {
    await Promise.allSettled(listeners.map((l) => l.close()));
    throw err;
  }
}

/**
 * Local mode: several regions in one process (default cn-north-4 and ap-southeast-3), each
 * with its own data folder, sharing one identity store and key ring; each region is a peer
 * of every other. Sockets are bound first, so every region's endpoint is known before any
 * region is built.
 */
export async function startLocal(local: LocalSettings): Promise<LocalMode> {
  makePrivateDir(local.dataDir);
  const state = loadLocalState(local.dataDir, local.regions);
  ensureLocalKeyRing(local.keyRingFile);
  const logger = createLogger(local.tuning.logLevel);
  const masterKey = Buffer.from(state.masterKey, 'hex');
  const listeners = await bindAll(local);
  const urlSecrets = Object.fromEntries(Object.entries(state.regions).map(([name, own]) => [name, own.urlSecret]));
  const regions: Region[] = [];
  let identity: IdentityService | undefined;
  try {
    const configs = localRegionConfigs(local, { ports: listeners.map((l) => l.port), masterKey, urlSecrets });
    identity = await openIdentity({ ...local.identity, masterKey });
    // One bound on password hashing for the process: its regions share one I/O thread pool.
    const logins = loginGuard(local.tuning.edge);
    for (const [i, listener] of listeners.entries()) {
      const config = configs[i];
      if (config) regions.push(await createRegion(config, listener, logger.child({ region: config.region }), { identity, logins }));
    }
    state.demo = await ensureDemo(identity, state.demo);
    writeLocalState(local.dataDir, state);
    const account = await identity.account(state.demo.accountName);
    const projects = await identity.projects(account.name);
    writePrivateJson(local.localJsonFile, {
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
    await Promise.allSettled(listeners.map((listener) => listener.close()));
    await identity?.close();
    throw err;
  }
  const shared = identity;
  return {
    regions,
    identity: shared,
    localJsonFile: local.localJsonFile,
    close: async () => {
      await Promise.allSettled(regions.map((region) => region.close()));
      await shared.close();
    },
  };
}
