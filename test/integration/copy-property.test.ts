import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CopyTask } from '../../src/domain/copy-task.js';
import { startTwoRegions, waitForCopy, type TwoRegions } from '../helpers/two-regions.js';

/**
 * Mutated replication info posted to region B never answers 5xx and never creates or restarts
 * anything. The asset was copied once before, so the one allowed 200 is the idempotent answer
 * for that copy, and only for a body that means the same (unknown fields added, the ignored
 * `expire_time` changed or dropped, or a mutation that happened to change nothing).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Body = { [key: string]: Json };

const stringFields = [['asset_id'], ['asset_info'], ['encryption_info', 'algorithm'], ['encryption_info', 'key_id'], ['encryption_info', 'iv']] as const;
const allFields = [...stringFields, ['encryption_info'], ['expire_time']] as const;
type StringPath = (typeof stringFields)[number];
type FieldPath = (typeof allFields)[number];

type Mutation =
  | { kind: 'flip' | 'insert'; path: StringPath; at: number; ch: string }
  | { kind: 'delete'; path: StringPath; at: number }
  | { kind: 'pad'; path: StringPath; n: number }
  | { kind: 'unpad'; path: StringPath }
  | { kind: 'junk'; path: StringPath; junk: string }
  | { kind: 'case'; path: StringPath; at: number; length: number; upper: boolean }
  | { kind: 'ivBoth'; at: number; ch: string }
  | { kind: 'replace'; path: FieldPath; value: Json }
  | { kind: 'drop'; path: FieldPath }
  | { kind: 'extra'; inEncryptionInfo: boolean; key: string; value: Json };

const base64Chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const char = fc.oneof(
  fc.constantFrom(...base64Chars.split('')),
  fc.constantFrom('=', ':', '-', '_', ' ', '\n', '\t', '\0', '%', '.', 'é', '😀', '\u202e'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const stringPath = fc.constantFrom(...stringFields);
const fieldPath = fc.constantFrom(...allFields);
const known = new Set(['asset_id', 'asset_info', 'encryption_info', 'expire_time', 'algorithm', 'key_id', 'iv']);
const jsonValue = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>;

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('flip' as const, 'insert' as const), path: stringPath, at: fc.nat(), ch: char }),
  fc.record({ kind: fc.constant('delete' as const), path: stringPath, at: fc.nat() }),
  fc.record({ kind: fc.constant('pad' as const), path: stringPath, n: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('unpad' as const), path: stringPath }),
  fc.record({ kind: fc.constant('junk' as const), path: stringPath, junk: fc.string({ minLength: 1, maxLength: 8, unit: 'binary' }) }),
  fc.record({ kind: fc.constant('case' as const), path: stringPath, at: fc.nat(), length: fc.integer({ min: 1, max: 40 }), upper: fc.boolean() }),
  fc.record({ kind: fc.constant('ivBoth' as const), at: fc.nat(), ch: char }),
  fc.record({
    kind: fc.constant('replace' as const),
    path: fieldPath,
    value: fc.oneof(
      fc.integer(),
      fc.double(),
      fc.constantFrom<Json>(null, true, false, '', 0, 1, -1, 2 ** 53, [], {}),
      fc.array(jsonValue, { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 6 }), jsonValue, { maxKeys: 3 }),
    ),
  }),
  fc.record({ kind: fc.constant('drop' as const), path: fieldPath }),
  fc.record({
    kind: fc.constant('extra' as const),
    inEncryptionInfo: fc.boolean(),
    key: fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'tid', 'exp', 'v')).filter((k) => !known.has(k)),
    value: jsonValue,
  }),
);

const isObject = (v: Json | undefined): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

function get(body: Body, path: readonly string[]): Json | undefined {
  let at: Json | undefined = body;
  for (const key of path) at = isObject(at) && Object.hasOwn(at, key) ? at[key] : undefined;
  return at;
}

/** Sets (as an own property, `__proto__` included) or deletes; missing parents are left alone. */
function set(body: Body, path: readonly string[], value: Json | undefined): void {
  const parent = path.length === 1 ? body : get(body, path.slice(0, -1));
  const key = path[path.length - 1] ?? '';
  if (!isObject(parent)) return;
  if (value === undefined) delete parent[key];
  else Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
}

const editString = (body: Body, path: StringPath, edit: (s: string) => string): void => {
  const value = get(body, path);
  if (typeof value === 'string') set(body, path, edit(value));
};

const cut = (s: string, at: number, remove: number, insert = ''): string => {
  const i = s.length === 0 ? 0 : at % (s.length + (remove === 0 ? 1 : 0));
  return `${s.slice(0, i)}${insert}${s.slice(i + remove)}`;
};

function apply(body: Body, m: Mutation): void {
  switch (m.kind) {
    case 'flip':
      return editString(body, m.path, (s) => (s.length === 0 ? m.ch : cut(s, m.at, 1, m.ch)));
    case 'insert':
      return editString(body, m.path, (s) => cut(s, m.at, 0, m.ch));
    case 'delete':
      return editString(body, m.path, (s) => cut(s, m.at, 1));
    case 'pad':
      return editString(body, m.path, (s) => `${s}${'='.repeat(m.n)}`);
    case 'unpad':
      return editString(body, m.path, (s) => s.replace(/=+$/, ''));
    case 'junk':
      return editString(body, m.path, (s) => `${s}${m.junk}`);
    case 'case':
      return editString(body, m.path, (s) => {
        const i = s.length === 0 ? 0 : m.at % s.length;
        const part = s.slice(i, i + m.length);
        return `${s.slice(0, i)}${m.upper ? part.toUpperCase() : part.toLowerCase()}${s.slice(i + m.length)}`;
      });
    case 'ivBoth': {
      // The IV changed consistently: in encryption_info.iv and as the prefix of asset_info.
      const info = get(body, ['asset_info']);
      const iv = get(body, ['encryption_info', 'iv']);
      if (typeof info !== 'string' || typeof iv !== 'string' || !info.startsWith(`${iv}:`)) return;
      const changed = cut(iv, m.at, 1, m.ch);
      set(body, ['encryption_info', 'iv'], changed);
      set(body, ['asset_info'], `${changed}${info.slice(iv.length)}`);
      return;
    }
    case 'replace':
      return set(body, m.path, m.value);
    case 'drop':
      return set(body, m.path, undefined);
    case 'extra':
      return set(body, m.inEncryptionInfo ? ['encryption_info', m.key] : [m.key], m.value);
  }
}

/** What CreateAssetByReplicationInfo reads of a body; anything else is ignored. */
const meaning = (body: Body) => ({
  asset_id: get(body, ['asset_id']),
  asset_info: get(body, ['asset_info']),
  encryption_info: isObject(get(body, ['encryption_info']))
    ? { algorithm: get(body, ['encryption_info', 'algorithm']), key_id: get(body, ['encryption_info', 'key_id']), iv: get(body, ['encryption_info', 'iv']) }
    : get(body, ['encryption_info']),
});

/** The fields of a task that any re-import or restart would change. */
const taskState = (t: CopyTask | undefined) => t && { state: t.state, epoch: t.epoch, tokenId: t.tokenId, startedAt: t.startedAt, finishedAt: t.finishedAt, attempts: t.attempts };

let r: TwoRegions;
let assetId: string;
let info: Body;
let count: number;
let task: ReturnType<typeof taskState>;

const listCount = async (): Promise<number> => (await r.clientB.call('GET', '/digital-assets')).body.count as number;
const post = (body: unknown) => r.clientB.call('POST', '/digital-assets-by-replication-info', { body });
const taskNow = async () => taskState(await r.b.region.store.copyTasks.getTask(r.projectB, assetId));

beforeAll(async () => {
  r = await startTwoRegions();
  assetId = await r.a.client.createAsset({ asset_type: 'VIDEO', tags: ['property'] });
  await r.a.client.addFile(assetId, 'main.mp4', randomBytes(2048));
  const exported = await r.a.client.call('GET', `/digital-assets/${assetId}/replication-info`);
  expect(exported.status).toBe(200);
  info = exported.body as Body;
  expect((await post(info)).body).toEqual({ asset_id: assetId, asset_state: 'CREATING' });
  expect((await waitForCopy(r.clientB, assetId)).asset_state).toBe('ACTIVED');
  count = await listCount();
  task = await taskNow();
  expect(task?.state).toBe('ACTIVED');
});
afterAll(async () => {
  await r?.close();
});

describe('CreateAssetByReplicationInfo with mutated replication info', () => {
  it('answers the unmutated info with the idempotent 200', async () => {
    expect((await post(info)).body).toEqual({ asset_id: assetId, asset_state: 'ACTIVED' });
  });

  it('never answers 5xx, never creates or restarts anything; 200 only for a body that means the same', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const body = structuredClone(info);
        for (const m of mutations) apply(body, m);
        const same = isDeepStrictEqual(meaning(body), meaning(info));
        const res = await post(body);
        const outcome = `${res.status} ${res.body?.error_code ?? ''}`;
        seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
        expect(res.status).toBeLessThan(500);
        if (same) {
          expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { asset_id: assetId, asset_state: 'ACTIVED' } });
        } else {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.body.error_code).toMatch(/^MSS\.\d{8}$/);
        }
        expect(await listCount()).toBe(count);
        expect(await taskNow()).toEqual(task);
      }),
      { numRuns: 150 },
    );
    // The runs reached the seal, not only the schema.
    expect([...seen.keys()].join(' ')).toMatch(/400 MSS\.10003001/);
  });
});
