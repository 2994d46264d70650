import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { maxJsonDepth } from '../../src/http/plugins/json-body.js';
import { writeKeyRing } from '../helpers/key-ring.js';
import { startTestRegion, type TestRegion } from '../helpers/test-region.js';

/**
 * Every endpoint's body and query parameters, fuzzed: never a 5xx, and a 4xx changes
 * nothing stored (database rows and blobs). The region runs on SQLite and the disk store
 * whatever the test backend, so that the stored state can be read whole between requests.
 */

let t: TestRegion;
let dir = '';
let assetId = '';
let fileId = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-fuzz-'));
  t = await startTestRegion({
    env: {
      ASSETBRIDGE_DATABASE_URL: `sqlite:${path.join(dir, 'metadata.db')}`,
      ASSETBRIDGE_IDENTITY_DATABASE_URL: `sqlite:${path.join(dir, 'identity.db')}`,
      ASSETBRIDGE_BLOB_STORE: 'disk',
      ASSETBRIDGE_BLOB_DIR: path.join(dir, 'blobs'),
      // Replication configured, so that its routes answer (a missing key ring is a deliberate 503).
      ASSETBRIDGE_KEYRING_FILE: writeKeyRing(dir).file,
    },
  });
  assetId = await t.client.createAsset({ asset_name: 'fuzzed' });
  fileId = await t.client.addFile(assetId, 'main.glb', Buffer.from('bytes of a file'));
  // The main file's media metadata is written in the background: once there, nothing else
  // changes the stored data but the requests below.
  await vi.waitFor(
    async () => {
      const shown = await t.client.call('GET', `/digital-assets/${assetId}`);
      if (shown.body.asset_extra_meta?.image_meta === undefined) throw new Error('media metadata not written yet');
    },
    { timeout: 20_000, interval: 50 },
  );
});
afterAll(async () => {
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Everything stored: every row of every table, every blob's name and size. */
function snapshot(): string {
  const db = new Database(path.join(dir, 'metadata.db'), { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
    const rows = tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}" ORDER BY 1`).all()]);
    const blobs = (readdirSync(path.join(dir, 'blobs'), { recursive: true }) as string[]).sort().map((f) => {
      const s = statSync(path.join(dir, 'blobs', f));
      return s.isFile() ? `${f}:${s.size}` : f;
    });
    return JSON.stringify({ rows, blobs });
  } finally {
    db.close();
  }
}

interface Operation {
  method: string;
  /** OpenAPI path, `{name}` for path parameters. */
  path: string;
  query: string[];
  body: string[];
}

/** Every operation of the API with its query parameters and top-level body fields, from `/openapi.json`. */
async function operations(): Promise<Operation[]> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the OpenAPI document is walked field by field
  const doc = (await (await fetch(`${t.endpoint}/openapi.json`)).json()) as any;
  const ops: Operation[] = [];
  for (const [p, methods] of Object.entries<Record<string, unknown>>(doc.paths)) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    for (const [method, op] of Object.entries<any>(methods)) {
      const query = (op.parameters ?? []).filter((x: { in: string }) => x.in === 'query').map((x: { name: string }) => x.name);
      const body = Object.keys(op.requestBody?.content?.['application/json']?.schema?.properties ?? {});
      ops.push({ method: method.toUpperCase(), path: p, query, body });
    }
  }
  return ops;
}

const hex32 = fc.stringMatching(/^[0-9a-f]{32}$/);
const oddText = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('', '-1', '0', '1', '1e400', '99999999999999999999', 'true', 'null', '%', '../../etc', 'ASSET_NAME', 'CREATED', ' '),
  fc.integer().map(String),
);
/** A value nested `depth` levels deep (objects and arrays alternating, an object outermost). */
const nested = (depth: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = depth - 1; i >= 0; i--) v = i % 2 === 0 ? { k: v } : [v];
  return v;
};
const anyJson = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: maxJsonDepth - 2, max: 3000 }).map(nested) },
  { weight: 1, arbitrary: oddText },
);

function pathOf(template: string, ids: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => ids[name] ?? 'x');
}

describe('fuzz over every endpoint (property)', () => {
  it('the JSON depth limit names the field (a 5,000-deep asset_extra_meta is 400, not 500)', async () => {
    const before = snapshot();
    // Written as text: JSON.stringify itself cannot go 5,000 deep.
    const deep = `{"asset_extra_meta":${'{"k":'.repeat(5000)}1${'}'.repeat(5001)}`;
    const res = await t.client.call('PUT', `/digital-assets/${assetId}`, { rawBody: deep });
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe('MSS.00010014');
    expect(res.body.error_msg).toMatch(/asset_extra_meta is nested deeper than 32 levels/);
    expect(snapshot()).toBe(before);
    // The body is level 1: asset_extra_meta may nest 31 levels, not 32.
    const over = await t.client.call('PUT', `/digital-assets/${assetId}`, { body: { asset_extra_meta: nested(maxJsonDepth) } });
    expect(over.status).toBe(400);
    expect(over.body.error_msg).toMatch(/asset_extra_meta/);
    const ok = await t.client.call('PUT', `/digital-assets/${assetId}`, { body: { asset_extra_meta: nested(maxJsonDepth - 1) } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(snapshot()).not.toBe(before);
  });

  it('never a 5xx; every 4xx leaves the stored data unchanged', async () => {
    const ops = await operations();
    expect(ops.length).toBeGreaterThan(15);
    const request = fc.record({
      op: fc.constantFrom(...ops),
      asset: fc.oneof(fc.constant(assetId), hex32, oddText.filter((s) => /^[\w-]+$/.test(s))),
      file: fc.oneof(fc.constant(fileId), hex32),
      query: fc.dictionary(fc.string({ maxLength: 12 }), oddText, { maxKeys: 3 }),
      fieldValues: fc.array(anyJson, { minLength: 6, maxLength: 6 }),
      queryValues: fc.array(oddText, { minLength: 4, maxLength: 4 }),
      whole: fc.option(anyJson, { nil: undefined, freq: 4 }),
      seed: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const ids = { project_id: t.projectId, asset_id: r.asset, file_id: r.file, job_id: r.asset };
        const query: Record<string, string> = { ...r.query };
        r.op.query.forEach((name, i) => {
          if ((r.seed >> i) & 1) query[name] = r.queryValues[i % r.queryValues.length] ?? '';
        });
        const fields: Record<string, unknown> = {};
        r.op.body.forEach((name, i) => {
          if ((r.seed >> (i + 8)) & 1) fields[name] = r.fieldValues[i % r.fieldValues.length];
        });
        const body = r.op.method === 'GET' || r.op.method === 'HEAD' ? undefined : (r.whole ?? fields);
        const before = snapshot();
        const res = await t.client.call(r.op.method, pathOf(r.op.path, ids), { absolutePath: true, query, body });
        const where = `${r.op.method} ${r.op.path} ${JSON.stringify(query)} ${JSON.stringify(body)?.slice(0, 300)} -> ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`;
        expect(res.status, where).toBeLessThan(500);
        if (res.status >= 400) expect(snapshot(), where).toBe(before);
      }),
      { numRuns: 400 },
    );
  });
});
