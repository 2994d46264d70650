import { assetActions, assetStateRules } from '../../domain/asset-states.js';
import { allows } from '../../domain/state-machine.js';
import { AppError, isAppError } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import { isoTime } from '../../domain/time.js';
import { jobAsOf, settled, type TransferJob } from '../../domain/transfer.js';
import { DuplicateAssetIdError, type MetadataStore } from '../../ports/metadata-store.js';

/**
 * Admission of transferred assets into the receiving project: the quota check of a
 * transfer. Called inside the accepting transaction, before any asset moves; throwing an
 * AppError refuses the accept (answered as is), nothing moves and the job stays PROCESSING.
 */
export interface TransferQuota {
  admitIncoming(tx: MetadataStore, incoming: { projectId: string; accountId: string; assetIds: readonly string[] }): Promise<void>;
}

/** Why an accept could not move the assets: the job turns FAIL with this error. */
class MoveRefused extends Error {
  constructor(readonly error: AppError) {
    super(error.message);
    this.name = 'MoveRefused';
  }
}

/**
 * The receiver accepts: in one transaction the job turns ACCEPT and every asset with its file
 * rows moves to the receiver's project (blob keys unchanged). When an asset cannot move (its
 * name or id taken in the destination, its state changed), the transaction is undone, the job
 * turns FAIL with that error in `error_info`, and the error is the answer.
 */
export async function acceptJob(
  store: MetadataStore,
  input: { job: TransferJob; receiver: Principal; now: Date; quota?: TransferQuota },
): Promise<void> {
  const { job, receiver } = input;
  const now = isoTime(input.now);
  try {
    await store.transaction(async (tx) => {
      if (!(await tx.transfers.endJob(job.jobId, { state: 'ACCEPT', finishTime: now }, now))) {
        // Answered meanwhile: a success if it was accepted, else 409.
        const current = await tx.transfers.getJob(job.jobId);
        if (!current || !settled(jobAsOf(current, now), 'ACCEPT')) throw new AppError('transferJobStateConflict', `job ${job.jobId} changed meanwhile`);
        return;
      }
      const assetIds = job.assets.map((a) => a.assetId);
      await input.quota?.admitIncoming(tx, { projectId: job.destProjectId, accountId: receiver.accountId, assetIds });
      for (const assetId of assetIds) await moveOne(tx, job, assetId, { appUserId: receiver.appUserId ?? null, updatedAt: now });
    });
  } catch (err) {
    if (!(err instanceof MoveRefused)) throw err;
    await store.transfers.endJob(job.jobId, { state: 'FAIL', finishTime: now, errorCode: err.error.code, errorMsg: err.error.message }, now);
    throw err.error;
  }
}

async function moveOne(tx: MetadataStore, job: TransferJob, assetId: string, change: { appUserId: string | null; updatedAt: string }): Promise<void> {
  const { srcProjectId: src, destProjectId: dest } = job;
  const asset = await tx.getAsset(src, assetId);
  if (!asset || !allows(assetActions.transfer, asset.assetState)) {
    const why = asset ? `is ${asset.assetState}; only ACTIVED or UNACTIVED assets move` : `is no longer in project ${src}`;
    throw new MoveRefused(new AppError('assetStateConflict', `asset ${assetId} ${why}`));
  }
  const taken = () => new MoveRefused(new AppError('transferAssetIdTaken', `asset ${assetId} exists in project ${dest}`));
  const there = await tx.getAsset(dest, assetId);
  if (there && assetStateRules[there.assetState].visible) throw taken();
  // An asset deleted for good leaves its id free.
  if (there) await tx.removeDeletedAsset(dest, assetId);
  try {
    // Guarded by the state read above: a change in between refuses the move like any other.
    if (await tx.moveAsset({ projectId: src, assetId }, dest, change, [asset.assetState])) return;
  } catch (err) {
    if (err instanceof DuplicateAssetIdError) throw taken();
    if (isAppError(err) && err.kind === 'assetNameExists') {
      throw new MoveRefused(new AppError('assetNameExists', `project ${dest} already has an asset named "${asset.assetName}" (asset ${assetId})`));
    }
    throw err;
  }
  throw new MoveRefused(new AppError('assetStateConflict', `asset ${assetId} changed during the accept; accept again`));
}
