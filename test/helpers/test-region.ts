import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { parseRegionSettings, regionConfig } from '../../src/config/index.js';
import type { Listener } from '../../src/start/listener.js';
import { createLogger } from '../../src/start/logger.js';
import { createRegion, startRegion, type Region } from '../../src/start/region.js';
import type { Clock } from '../../src/ports/clock.js';
import type { IdentityService } from '../../src/services/identity/identity-service.js';
import { backendSettings } from './backend.js';
import { ApiClient } from './api-client.js';

/** An account of the test deployment with its AK/SK, a user, and its project in one region. */
export interface TestAccount {
  name: string;
  accountId: string;
  userName: string;
  password: string;
  accessKey: string;
  secretKey: string;
  projectId: string;
  client: ApiClient;
}

export interface TestRegion extends TestAccount {
  region: Region;
  endpoint: string;
  dataDir: string;
  identity: IdentityService;
  /** A new account (and its project in this region). */
  addAccount(): Promise<TestAccount>;
  /**
   * Stops the region as a shutdown would and starts it again on the same data (database,
   * blobs, identity, keys), on a new port: `region`, `endpoint` and `client` follow.
   */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A clock tests can move forward. */
export class TestClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const unique = () => randomBytes(4).toString('hex');

/**
 * Starts one region on a free loopback port (or the given bound one), on the backend chosen by
 * ASSETBRIDGE_TEST_BACKEND, with a fresh identity store (or the given one, to run a second
 * region of one deployment).
 */
export async function startTestRegion(
  options: { env?: Record<string, string>; clock?: Clock; identity?: IdentityService; listener?: Listener; logger?: Logger } = {},
): Promise<TestRegion> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'assetbridge-test-'));
  const backend = await backendSettings();
  const settings = parseRegionSettings({
    ASSETBRIDGE_PORT: '0',
    ASSETBRIDGE_DATA_DIR: dataDir,
    ASSETBRIDGE_URL_SECRET: randomBytes(32).toString('hex'),
    ASSETBRIDGE_MASTER_KEY: randomBytes(32).toString('hex'),
    ...(backend.env.ASSETBRIDGE_DATABASE_URL ? { ASSETBRIDGE_IDENTITY_DATABASE_URL: backend.env.ASSETBRIDGE_DATABASE_URL } : {}),
    ...backend.env,
    ...options.env,
  });
  const logger = options.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const regionOptions = { clock: options.clock, identity: options.identity };
  let region = options.listener
    ? await createRegion(regionConfig(settings, options.listener.port), options.listener, logger, regionOptions)
    : await startRegion(settings, logger, regionOptions);
  let endpoint = region.config.publicEndpoint;
  let identity = region.identity;

  const addAccount = async (): Promise<TestAccount> => {
    const name = `acct-${unique()}`;
    const { account } = await identity.createAccount(name);
    const { password } = await identity.createUser(name, 'tester');
    const { accessKey, secretKey } = await identity.createCredential(name, { userName: 'tester' });
    const projectId = (await identity.projects(name)).find((p) => p.region === region.config.region)?.id ?? '';
    return { name, accountId: account.id, userName: 'tester', password, accessKey, secretKey, projectId, client: new ApiClient({ endpoint, projectId, accessKey, secretKey }) };
  };
  const main = await addAccount();
  const t: TestRegion = {
    ...main,
    region,
    endpoint,
    dataDir,
    identity,
    addAccount,
    restart: async () => {
      await region.close();
      region = t.region = await startRegion(settings, logger, regionOptions);
      endpoint = t.endpoint = region.config.publicEndpoint;
      identity = t.identity = region.identity;
      t.client = new ApiClient({ endpoint: t.endpoint, projectId: main.projectId, accessKey: main.accessKey, secretKey: main.secretKey });
    },
    close: async () => {
      await region.close();
      await backend.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}
