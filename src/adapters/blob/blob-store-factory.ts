import type { BlobStore } from '../../ports/blob-store.js';
import { DiskBlobStore } from './blob-store-disk.js';
import { S3BlobStore, type S3BlobStoreOptions } from './blob-store-s3.js';

export type BlobStoreFactoryConfig = { kind: 'disk'; root: string } | ({ kind: 's3' } & S3BlobStoreOptions);

/** The blob store named by config. Async because an S3 bucket is created when missing. */
export async function createBlobStore(config: BlobStoreFactoryConfig): Promise<BlobStore> {
  switch (config.kind) {
    case 'disk':
      return new DiskBlobStore({ root: config.root });
    case 's3': {
      const { kind: _kind, ...options } = config;
      const store = new S3BlobStore(options);
      await store.ensureBucket();
      return store;
    }
  }
}
