import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadinessProbe } from '../../src/services/readiness.js';
import { startTestRegion, type TestRegion } from '../helpers/test-region.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- response JSON */
const get = async (base: string, p: string): Promise<{ status: number; body: any; text: string }> => {
  const res = await fetch(`${base}${p}`);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
};

let dir: string;
let keyRingFile: string;
const ringKey = randomBytes(16).toString('base64');
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-health-'));
  keyRingFile = path.join(dir, 'keyring.json');
  writeFileSync(keyRingFile, JSON.stringify({ active: 'k2', keys: { k1: randomBytes(16).toString('base64'), k2: ringKey } }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const capture = () => {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => done(void lines.push(JSON.parse(chunk.toString()))) }));
  return { lines, logger };
};

describe('health endpoints and roles', () => {
  describe('role all (default), no peers, no key ring', () => {
    let t: TestRegion;
    beforeAll(async () => {
      t = await startTestRegion();
    });
    afterAll(async () => t.close());

    it('answers /healthz and /readyz without credentials; a missing ring without peers is reported, not an error', async () => {
      expect(await get(t.endpoint, '/healthz')).toMatchObject({ status: 200, body: { status: 'ok', region: t.region.config.region, role: 'all' } });
      const ready = await get(t.endpoint, '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: 'ready',
        role: 'all',
        checks: { metadata_database: { ok: true }, identity_database: { ok: true }, blob_store: { ok: true } },
        key_ring: { loaded: false, required: false },
      });
    });

    it('runs every background loop', () => {
      expect(t.region.loops.running).toBe(true);
      expect(t.region.loops.names()).toEqual(expect.arrayContaining(['copy-worker', 'recycle-bin-purge', 'copy-sweep', 'transfer-expiry']));
    });

    it('documents both endpoints in the OpenAPI document, without security', async () => {
      const doc = (await get(t.endpoint, '/openapi.json')).body;
      expect(doc.paths['/healthz'].get).toMatchObject({ operationId: 'ShowHealth', security: [] });
      expect(doc.paths['/readyz'].get).toMatchObject({ operationId: 'ShowReadiness', security: [] });
      expect(Object.keys(doc.paths['/readyz'].get.responses)).toEqual(expect.arrayContaining(['200', '503']));
    });
  });

  it('with peers and no key ring: logs a warning at start and /readyz answers 503', async () => {
    const { lines, logger } = capture();
    const t = await startTestRegion({ logger, env: { ASSETBRIDGE_PEERS: 'cn-east-3=http://127.0.0.1:9', ASSETBRIDGE_KEYRING_FILE: path.join(dir, 'absent.json') } });
    try {
      expect(lines.filter((l) => l.level === 40 && l.msg.includes('no key ring'))).toHaveLength(1);
      const ready = await get(t.endpoint, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 'unavailable', checks: { metadata_database: { ok: true } }, key_ring: { loaded: false, required: true } });
      expect((await get(t.endpoint, '/healthz')).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('with peers and a key ring: ready, the ring reported by key ids only', async () => {
    const { lines, logger } = capture();
    const t = await startTestRegion({ logger, env: { ASSETBRIDGE_PEERS: 'cn-east-3=http://127.0.0.1:9', ASSETBRIDGE_KEYRING_FILE: keyRingFile } });
    try {
      expect(lines.filter((l) => l.msg.includes('no key ring'))).toEqual([]);
      const ready = await get(t.endpoint, '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.key_ring).toEqual({ loaded: true, required: true, active_key: 'k2', keys: ['k1', 'k2'] });
      expect(ready.text).not.toContain(ringKey);
    } finally {
      await t.close();
    }
  });

  it('role api: serves the API and health, runs no background loop', async () => {
    const t = await startTestRegion({ env: { ASSETBRIDGE_ROLE: 'api' } });
    try {
      expect(t.region.loops.running).toBe(false);
      expect((await t.client.call('GET', '/digital-assets')).status).toBe(200);
      expect((await get(t.endpoint, '/readyz')).body).toMatchObject({ status: 'ready', role: 'api' });
    } finally {
      await t.close();
    }
  });

  it('role worker: runs the loops and answers only /healthz, /readyz and /metrics; does not register the region', async () => {
    const t = await startTestRegion({ env: { ASSETBRIDGE_ROLE: 'worker', ASSETBRIDGE_REGION: 'eu-west-7' } });
    try {
      expect(t.region.loops.running).toBe(true);
      expect((await get(t.endpoint, '/healthz')).body).toMatchObject({ status: 'ok', role: 'worker' });
      expect((await get(t.endpoint, '/readyz')).status).toBe(200);
      const metrics = await get(t.endpoint, '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain('assetbridge_');
      for (const p of ['/openapi.json', '/console/', `/v1/${t.projectId || 'x'}/digital-assets`, '/v3/projects']) {
        const res = await get(t.endpoint, p);
        expect({ p, status: res.status, code: res.body?.error_code }).toEqual({ p, status: 404, code: 'MSS.00010003' });
      }
      expect((await t.identity.listRegions()).map((r) => r.name)).not.toContain('eu-west-7');
    } finally {
      await t.close();
    }
  });

  it('refuses an unknown role, naming the allowed ones', async () => {
    await expect(startTestRegion({ env: { ASSETBRIDGE_ROLE: 'both' } })).rejects.toThrow(/ASSETBRIDGE_ROLE must be one of api, worker, all \(got "both"\)/);
  });
});

describe('readiness probe', () => {
  const silent = pino({ level: 'silent' });
  it('is not ready when a dependency throws or hangs past its timeout, and says which in a word', async () => {
    const probe = new ReadinessProbe({
      checks: [
        { name: 'fine', check: async () => 1 },
        { name: 'down', check: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.1:5432 password=hunter2')) },
        { name: 'stuck', check: () => new Promise(() => undefined) },
      ],
      hasPeers: false,
      logger: silent,
      timeoutMs: 50,
    });
    const r = await probe.probe();
    expect(r.ready).toBe(false);
    expect(r.checks).toMatchObject({ fine: { ok: true }, down: { ok: false, error: 'unreachable' }, stuck: { ok: false, error: 'timed out' } });
    expect(JSON.stringify(r)).not.toContain('hunter2');
  });
});
