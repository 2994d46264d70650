import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { S3BlobStoreOptions } from '../../src/adapters/blob/blob-store-s3.js';

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  /** Ready-made S3BlobStore options for this server's bucket. */
  options: S3BlobStoreOptions;
  /** Object events seen so far, e.g. `{ name: 'ObjectCreated:Post', key }` for a completed multipart upload. */
  events: { name: string; key: string }[];
  close(): Promise<void>;
}

/** A real S3 protocol server over a temp folder, on a free loopback port, with `buckets` (the first is `bucket`). */
export async function startS3Server(buckets: readonly string[] = ['assetbridge-test']): Promise<TestS3Server> {
  const directory = await mkdtemp(path.join(tmpdir(), 'assetbridge-s3-'));
  const bucket = buckets[0] ?? 'assetbridge-test';
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const events: TestS3Server['events'] = [];
  server.on('event', (e) => {
    for (const r of e.Records) events.push({ name: r.eventName, key: r.s3.object.key });
  });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    bucket,
    // s3rver's built-in account.
    options: { endpoint, bucket, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true },
    events,
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
