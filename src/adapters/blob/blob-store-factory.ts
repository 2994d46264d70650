import type { BlobStoreConfig } from '../../config/config.js';
import type { BlobStore } from '../../ports/blob-store.js';
import { DiskBlobStore } from './blob-store-disk.js';
import { S3BlobStore } from './blob-store-s3.js';

/** The blob store named by config. S3 buckets are created when missing. */
export async function createBlobStore(config: BlobStoreConfig): Promise<BlobStore> {
  switch (config.kind) {
    case 'disk':
      return new DiskBlobStore({ root: config.root });
    case 's3': {
      const store = new S3BlobStore(config);
      await store.ensureBucket();
      return store;
    }
  }
}
