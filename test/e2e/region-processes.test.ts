import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, postgresAndS3Env } from '../helpers/backend.js';
import { Deployment, type ExtraProcess } from '../helpers/deployment.js';
import { GeneratedFile, hashStream, putStream } from '../helpers/generated-file.js';
import { mainScript } from '../helpers/processes.js';
import { startS3Server, type TestS3Server } from '../helpers/s3-server.js';

/**
 * Region B as one API process and two worker processes on one PostgreSQL database and one
 * S3 bucket (s3rver); region A one process. Run one at a time: 2 cores.
 */
const MiB = 1024 * 1024;
let d: Deployment;
let db: { url: string; drop(): Promise<void> };
let s3: TestS3Server;
let workers: ExtraProcess[];
let bEnv: Record<string, string>;

beforeAll(async () => {
  db = await createPgDatabase();
  s3 = await startS3Server();
  d = await Deployment.create();
  bEnv = {
    ...postgresAndS3Env(db.url, s3),
    ASSETBRIDGE_PUBLIC_ENDPOINT: d.endpoint('b'),
    // The issue's figures: 8 streams per peer, no bandwidth limit (16 MiB segments are the engine's own).
    ASSETBRIDGE_COPY_STREAMS_PER_PEER: '8',
    ASSETBRIDGE_PEER_BANDWIDTH_LIMIT: '0',
  };
  await d.start('a');
  await d.start('b', { ...bEnv, ASSETBRIDGE_ROLE: 'api' });
  workers = [];
  // One worker through the server entry's flag, one through the CLI's `serve --role`.
  workers.push(await d.startExtra('worker-1', 'b', [mainScript, 'region', '--role', 'worker'], bEnv));
  workers.push(await d.startExtra('worker-2', 'b', [path.resolve('dist/cli/main.js'), 'serve', '--role', 'worker'], bEnv));
  await d.createAccount();
});
afterAll(async () => {
  if (process.env.E2E_DEBUG) console.log('B:', d.output.b, ...workers.map((w) => `\n${w.name}: ${w.output}`));
  await d.close();
  await s3.close();
  await db.drop();
});

async function metric(endpoint: string, name: string): Promise<number> {
  const text = await (await fetch(`${endpoint}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** Rows of a query on region B's database. */
async function sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

type TaskRow = { lease_owner: string | null; state: string; epoch: number; bytes_done: string | number };
async function task(assetId: string): Promise<TaskRow> {
  return (await sql<TaskRow>('SELECT lease_owner, state, epoch, bytes_done FROM copy_tasks WHERE asset_id = $1', [assetId]))[0]!;
}

/** CreateFile, the bytes streamed to the upload URL, then the confirmation. */
async function uploadStream(assetId: string, name: string, file: GeneratedFile, md5: string): Promise<void> {
  const created = (await d.clients.a.ok('POST', '/files', {
    body: { asset_id: assetId, file_name: name, file_md5: md5, file_size: file.size, asset_file_category: 'MAIN' },
  })) as { file_id: string; upload_url: string };
  expect(await putStream(created.upload_url, file, md5)).toBe(200);
  await d.clients.a.ok('POST', `/files/${created.file_id}/complete`, { body: { state: 'CREATED' } });
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}\nB: ${d.output.b}${workers.map((w) => `\n${w.name}: ${w.output}`).join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a region as one API process and two workers', () => {
  it('answers health on every process; workers answer nothing else', async () => {
    for (const [endpoint, role] of [[d.endpoint('b'), 'api'], ...workers.map((w) => [w.endpoint, 'worker'])] as const) {
      const ready = await fetch(`${endpoint}/readyz`);
      expect({ endpoint, status: ready.status, body: await ready.json() }).toMatchObject({ endpoint, status: 200, body: { status: 'ready', role } });
    }
    for (const w of workers) expect((await fetch(`${w.endpoint}/v1/${d.projects.b}/digital-assets`)).status).toBe(404);
  });

  it('copies 1 GiB in 16 MiB segments over 8 streams; SIGKILL of the worker holding it halfway, the other finishes from the recorded parts', async () => {
    const source = new GeneratedFile(1024 * MiB);
    const digests = await source.digests();
    const id = await d.clients.a.createAsset({ asset_type: 'VIDEO' });
    await uploadStream(id, 'big.mp4', source, digests.md5);
    const servedBefore = await metric(d.endpoint('a'), 'assetbridge_replication_bytes_served_total');
    const info = await d.clients.a.call('GET', `/digital-assets/${id}/replication-info`);
    expect((await d.clients.b.call('POST', '/digital-assets-by-replication-info', { body: info.body })).status).toBe(200);

    // Halfway: a worker (never the API process) holds the copy and has recorded 512 MiB of parts.
    const running = await until('half of the copy recorded', () => task(id), (t) => Number(t.bytes_done) >= source.size / 2 && t.lease_owner !== null, 600_000);
    const holder = workers.find((w) => running.lease_owner?.startsWith(`${hostname()}-${w.child.pid}-`));
    expect(holder, `lease owner ${running.lease_owner}`).toBeDefined();
    expect(running.lease_owner?.startsWith(`${hostname()}-${d.processes.b?.pid}-`)).toBe(false);
    const survivor = workers.find((w) => w !== holder)!;
    holder!.child.kill('SIGKILL');
    await new Promise((resolve) => holder!.child.once('exit', resolve));
    // What the killed worker recorded is all it leaves: 16 MiB parts, each with its ETag, under the one recorded upload.
    const recorded = await sql<{ segment_index: number; bytes: string | number; etag: string }>('SELECT segment_index, bytes, etag FROM copy_segments WHERE asset_id = $1', [id]);
    const recordedBytes = recorded.reduce((sum, r) => sum + Number(r.bytes), 0);
    expect(recordedBytes).toBeGreaterThanOrEqual(source.size / 2);
    expect(recordedBytes).toBeLessThan(source.size);
    expect(recorded.every((r) => Number(r.bytes) === 16 * MiB && r.etag.length > 0)).toBe(true);
    const uploads = await sql<{ upload_id: string | null }>('SELECT upload_id FROM copy_files WHERE asset_id = $1', [id]);
    expect(uploads.map((u) => u.upload_id)).toEqual([expect.any(String)]);

    const show = () => d.clients.b.call('GET', `/digital-assets/${id}`);
    const done = (await until('the copy to end', show, (r) => r.body.asset_state !== 'CREATING', 600_000)).body;
    expect(done.asset_state).toBe('ACTIVED');
    expect(done.replication.bytes_done).toBe(source.size);
    const ended = await task(id);
    expect(ended.state).toBe('ACTIVED');
    expect(ended.epoch).toBeGreaterThanOrEqual(2);
    // The survivor fetched only the segments not recorded (plus at most the 8 that were in flight); the API process none.
    expect(await metric(survivor.endpoint, 'assetbridge_copy_duration_seconds_count')).toBe(1);
    const survivorBytes = await metric(survivor.endpoint, 'assetbridge_copy_bytes_total');
    expect(survivorBytes).toBeGreaterThanOrEqual(source.size - recordedBytes);
    expect(survivorBytes).toBeLessThanOrEqual(source.size - recordedBytes + 8 * 16 * MiB);
    expect(await metric(d.endpoint('b'), 'assetbridge_copy_bytes_total')).toBe(0);
    // Region A served the file once, plus at most a quarter for what was in flight at the kill.
    const served = (await metric(d.endpoint('a'), 'assetbridge_replication_bytes_served_total')) - servedBefore;
    expect(served).toBeGreaterThanOrEqual(source.size);
    expect(served).toBeLessThanOrEqual(1.25 * source.size);

    // The object in B's bucket is exact, and it is the only object there; no part row stays.
    const s3client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    try {
      const listed = await s3client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
      const keys = (listed.Contents ?? []).map((o) => o.Key);
      expect(keys).toHaveLength(1);
      expect(keys[0]).toContain(done.files[0].file_id as string);
      const object = await s3client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: keys[0] }));
      expect(await hashStream(object.Body as Readable)).toEqual({ size: source.size, sha256: digests.sha256 });
    } finally {
      s3client.destroy();
    }
    expect(await sql('SELECT 1 FROM copy_segments')).toEqual([]);
    expect(await sql('SELECT upload_id FROM copy_files WHERE upload_id IS NOT NULL')).toEqual([]);
  }, 900_000);
});
