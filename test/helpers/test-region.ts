import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseRegionConfig } from '../../src/config/config.js';
import { newId } from '../../src/domain/ids.js';
import { createLogger } from '../../src/start/logger.js';
import { createRegion, type Region } from '../../src/start/region.js';
import type { Clock } from '../../src/services/clock.js';
import { backendSettings } from './backend.js';
import { ApiClient } from './api-client.js';

export interface TestRegion {
  region: Region;
  endpoint: string;
  projectId: string;
  accessKey: string;
  secretKey: string;
  dataDir: string;
  client: ApiClient;
  close(): Promise<void>;
}

/** A clock tests can move forward. */
export class TestClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

/** Starts one region on a free loopback port, on the backend chosen by ASSETBRIDGE_TEST_BACKEND. */
export async function startTestRegion(options: { env?: Record<string, string>; clock?: Clock } = {}): Promise<TestRegion> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'assetbridge-test-'));
  const backend = await backendSettings();
  const accessKey = `AK${randomBytes(9).toString('hex').toUpperCase()}`;
  const secretKey = randomBytes(20).toString('hex');
  const projectId = newId();
  const config = parseRegionConfig({
    ASSETBRIDGE_PORT: '0',
    ASSETBRIDGE_DATA_DIR: dataDir,
    ASSETBRIDGE_URL_SECRET: randomBytes(32).toString('hex'),
    ASSETBRIDGE_ACCESS_KEY: accessKey,
    ASSETBRIDGE_SECRET_KEY: secretKey,
    ASSETBRIDGE_PROJECT_ID: projectId,
    ...backend.env,
    ...options.env,
  });
  const region = await createRegion(config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), { clock: options.clock });
  await region.listen();
  const endpoint = region.config.publicEndpoint;
  return {
    region,
    endpoint,
    projectId,
    accessKey,
    secretKey,
    dataDir,
    client: new ApiClient({ endpoint, projectId, accessKey, secretKey }),
    close: async () => {
      await region.close();
      await backend.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
