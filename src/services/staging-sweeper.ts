import type { BlobStore } from '../ports/blob-store.js';
import type { Clock } from '../ports/clock.js';
import type { MetadataStore } from '../ports/metadata-store.js';

/**
 * The sweep of the blob store's local scratch files by age: a staged put, or the staging file of
 * a copy's segmented upload or of a large file's parts, that no recorded upload owns any more and
 * that was last written more than `maxAgeSeconds` ago (a process died before it cleaned up, or its
 * cleanup failed). Files of uploads still recorded stay, however old; safe with several workers.
 */
export class StagingSweeper {
  constructor(private readonly o: { store: MetadataStore; blobs: BlobStore; clock: Clock; maxAgeSeconds: number }) {}

  /** Removes what is stale; answers how many files went. */
  sweep(): Promise<number> {
    const before = new Date(this.o.clock.now().getTime() - this.o.maxAgeSeconds * 1000);
    const { copyTasks, largeUploads } = this.o.store;
    return this.o.blobs.sweepScratch(before, async (uploadId) => (await copyTasks.hasUpload(uploadId)) || (await largeUploads.hasUpload(uploadId)));
  }
}
