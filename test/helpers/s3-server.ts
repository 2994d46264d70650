import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

/** A real S3 protocol server over a temp folder, on a free loopback port. */
export async function startS3Server(): Promise<{ endpoint: string; bucket: string; close(): Promise<void> }> {
  const directory = await mkdtemp(path.join(tmpdir(), 'assetbridge-s3-'));
  const bucket = 'assetbridge-test';
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const address = (await server.run());
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
