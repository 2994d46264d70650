import { AppError } from '../../domain/errors.js';
import { isoTime } from '../../domain/time.js';
import type { MetadataStore } from '../../ports/metadata-store.js';

/**
 * 409 when one of the assets waits in a transfer job: until the job is answered (or expires)
 * the asset cannot be deleted, transferred again or exported for a copy. Callers that change
 * the asset check after their own write to it, in the same transaction: the write holds the
 * asset's row, so a job created concurrently is either seen here or sees the change.
 */
export async function refuseIfInTransfer(store: MetadataStore, projectId: string, assetIds: readonly string[], now: Date): Promise<void> {
  const pending = await store.transfers.pendingJobFor(projectId, assetIds, isoTime(now));
  if (pending) {
    throw new AppError('transferPending', `asset ${pending.assetId} is in transfer job ${pending.jobId}, waiting for an answer; cancel it first`);
  }
}
