import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, postgresAndS3Env } from '../helpers/backend.js';
import { Deployment } from '../helpers/deployment.js';
import { startS3Server, type TestS3Server } from '../helpers/s3-server.js';

/** Region B on PostgreSQL + S3 (s3rver) as a process, killed mid-copy (run one at a time: 2 cores). */
const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let d: Deployment;
let s3: TestS3Server;
let db: { url: string; drop(): Promise<void> };
let envB: Record<string, string>;
beforeAll(async () => {
  d = await Deployment.create();
  s3 = await startS3Server();
  db = await createPgDatabase();
  envB = {
    ...postgresAndS3Env(db.url, s3),
    // Two streams sharing 32 MiB/s: the kill lands mid-copy, with at most two segments in flight.
    ASSETBRIDGE_COPY_STREAMS_PER_PEER: '2',
    ASSETBRIDGE_PEER_BANDWIDTH_LIMIT: String(32 * MiB),
  };
  await d.start('a');
  await d.start('b', envB);
  await d.createAccount();
});
afterAll(async () => {
  if (process.env.E2E_DEBUG) console.log('A output:', d.output.a, '\nB output:', d.output.b);
  await d.close();
  await s3.close();
  await db.drop();
});

describe('copy into a region on PostgreSQL + S3', () => {
  it('resumes the same multipart upload after region B is killed mid-copy: A serves at most 1.25x, nothing left behind', async () => {
    const size = 128 * MiB;
    const bytes = randomBytes(size);
    const id = await d.clients.a.createAsset({ asset_type: 'VIDEO' });
    await d.clients.a.addFile(id, 'big.mp4', bytes);
    const servedBefore = await d.metric('a', 'assetbridge_replication_bytes_served_total');
    const info = await d.clients.a.call('GET', `/digital-assets/${id}/replication-info`);
    expect((await d.clients.b.call('POST', '/digital-assets-by-replication-info', { body: info.body })).status).toBe(200);

    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      await d.waitForAsset('b', id, (a) => (a.replication?.bytes_done ?? 0) >= 48 * MiB, 60_000);
      await d.stop('b', 'SIGKILL');
      // Recorded parts survive the kill, each with the ETag S3 gave it.
      const parts = await sql.query<{ segment_index: number; etag: string }>('SELECT segment_index, etag FROM copy_segments WHERE asset_id = $1', [id]);
      expect(parts.rows.length).toBeGreaterThanOrEqual(3);
      expect(parts.rows.length).toBeLessThan(8);
      const uploads = await sql.query<{ upload_id: string | null }>('SELECT upload_id FROM copy_files WHERE asset_id = $1', [id]);
      expect(uploads.rows[0]?.upload_id).toEqual(expect.any(String));

      await d.start('b', envB);
      const copied = await d.waitForAsset('b', id, (a) => a.asset_state !== 'CREATING');
      expect(copied.asset_state).toBe('ACTIVED');
      expect(copied.replication.bytes_done).toBe(size);
      const served = (await d.metric('a', 'assetbridge_replication_bytes_served_total')) - servedBefore;
      expect(served).toBeGreaterThanOrEqual(size);
      expect(served).toBeLessThanOrEqual(1.25 * size);

      // The object in B's bucket is exact, and it is the only one of this copy.
      const got = Buffer.from(await (await fetch(copied.files[0].download_url as string)).arrayBuffer());
      expect({ size: got.length, sha: sha(got) }).toEqual({ size, sha: sha(bytes) });
      const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
      const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
      client.destroy();
      expect((listed.Contents ?? []).filter((o) => o.Key?.includes(copied.files[0].file_id as string))).toHaveLength(1);
      expect((await sql.query('SELECT 1 FROM copy_segments WHERE asset_id = $1', [id])).rows).toEqual([]);
      expect((await sql.query('SELECT upload_id FROM copy_files WHERE asset_id = $1 AND upload_id IS NOT NULL', [id])).rows).toEqual([]);
    } finally {
      await sql.end();
    }
  });
});
