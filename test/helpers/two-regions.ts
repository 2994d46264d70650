import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { endpointFor } from '../../src/config/index.js';
import type { Clock } from '../../src/ports/clock.js';
import { bindListener } from '../../src/start/listener.js';
import { ApiClient } from './api-client.js';
import { writeKeyRing } from './key-ring.js';
import { startTestRegion, type TestRegion } from './test-region.js';

export interface TwoRegions {
  a: TestRegion;
  b: TestRegion;
  /** The same account's client in region B. */
  clientB: ApiClient;
  projectB: string;
  keyRingFile: string;
  /** The deployment's key ring: id k1 and these base64 bytes. */
  ringKey: string;
  close(): Promise<void>;
}

/** Two regions of one deployment (shared identity and key ring), peers of each other; each may get its own clock. */
export async function startTwoRegions(
  o: { env?: { a?: Record<string, string>; b?: Record<string, string> }; clockA?: Clock; clockB?: Clock } = {},
): Promise<TwoRegions> {
  const dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-ring-'));
  const { file: keyRingFile, key: ringKey } = writeKeyRing(dir);
  // Both sockets are bound first: each region is built knowing the other's endpoint.
  const [listenerA, listenerB] = [await bindListener('127.0.0.1', 0), await bindListener('127.0.0.1', 0)];
  const a = await startTestRegion({
    clock: o.clockA,
    listener: listenerA,
    env: { ASSETBRIDGE_REGION: 'cn-north-4', ASSETBRIDGE_KEYRING_FILE: keyRingFile, ASSETBRIDGE_PEERS: `ap-southeast-3=${endpointFor('127.0.0.1', listenerB.port)}`, ...o.env?.a },
  });
  const b = await startTestRegion({
    clock: o.clockB,
    identity: a.identity,
    listener: listenerB,
    env: { ASSETBRIDGE_REGION: 'ap-southeast-3', ASSETBRIDGE_KEYRING_FILE: keyRingFile, ASSETBRIDGE_PEERS: `cn-north-4=${a.endpoint}`, ...o.env?.b },
  });
  const projectB = (await a.identity.projects(a.name)).find((p) => p.region === 'ap-southeast-3')?.id ?? '';
  return {
    a,
    b,
    projectB,
    keyRingFile,
    ringKey,
    clientB: new ApiClient({ endpoint: b.endpoint, projectId: projectB, accessKey: a.accessKey, secretKey: a.secretKey }),
    close: async () => {
      await b.close();
      await a.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls ShowAsset in B until the asset leaves CREATING. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test JSON
export async function waitForCopy(client: ApiClient, assetId: string, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await client.call('GET', `/digital-assets/${assetId}`);
    if (res.status === 200 && res.body.asset_state !== 'CREATING') return res.body;
    if (Date.now() > deadline) throw new Error(`copy still ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
