import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, postgresAndS3Env } from '../helpers/backend.js';
import { Deployment, type ExtraProcess } from '../helpers/deployment.js';
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
    // Slow enough to kill a worker halfway.
    ASSETBRIDGE_PEER_BANDWIDTH_LIMIT: String(8 * MiB),
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

type TaskRow = { lease_owner: string | null; state: string; epoch: number; bytes_done: string | number };
async function task(assetId: string): Promise<TaskRow> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<TaskRow>('SELECT lease_owner, state, epoch, bytes_done FROM copy_tasks WHERE asset_id = $1', [assetId]);
    return rows[0]!;
  } finally {
    await client.end();
  }
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

  it('copies through the workers; SIGKILL of the worker holding the copy, the other finishes it', async () => {
    const bytes = randomBytes(48 * MiB);
    const id = await d.clients.a.createAsset({ asset_type: 'VIDEO' });
    await d.clients.a.addFile(id, 'big.mp4', bytes, 'MAIN');
    const info = await d.clients.a.call('GET', `/digital-assets/${id}/replication-info`);
    expect((await d.clients.b.call('POST', '/digital-assets-by-replication-info', { body: info.body })).status).toBe(200);

    // Halfway-ish: a checkpoint is recorded, by one of the workers (never the API process).
    const running = await until('a recorded checkpoint', () => task(id), (t) => Number(t.bytes_done) > 0 && t.lease_owner !== null);
    const holder = workers.find((w) => running.lease_owner?.startsWith(`${hostname()}-${w.child.pid}-`));
    expect(holder, `lease owner ${running.lease_owner}`).toBeDefined();
    expect(running.lease_owner?.startsWith(`${hostname()}-${d.processes.b?.pid}-`)).toBe(false);
    const survivor = workers.find((w) => w !== holder)!;
    holder!.child.kill('SIGKILL');

    const show = () => d.clients.b.call('GET', `/digital-assets/${id}`);
    const done = (await until('the copy to end', show, (r) => r.body.asset_state !== 'CREATING')).body;
    expect(done.asset_state).toBe('ACTIVED');
    const ended = await task(id);
    expect(ended.state).toBe('ACTIVED');
    expect(ended.epoch).toBeGreaterThanOrEqual(2);
    // The survivor did the rest; the API process copied nothing.
    expect(await metric(survivor.endpoint, 'assetbridge_copy_duration_seconds_count')).toBe(1);
    expect(await metric(survivor.endpoint, 'assetbridge_copy_bytes_total')).toBeGreaterThan(0);
    expect(await metric(d.endpoint('b'), 'assetbridge_copy_bytes_total')).toBe(0);
    const got = Buffer.from(await (await fetch(done.files[0].download_url as string)).arrayBuffer());
    expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
