import type { Asset } from '../domain/asset.js';
import { assetActions } from '../domain/asset-states.js';
import { AppError } from '../domain/errors.js';
import { scheduledBlockReason, type ScheduledOperation, type ScheduledOutcome } from '../domain/scheduled-operation.js';
import { allows } from '../domain/state-machine.js';
import { isoTime } from '../domain/time.js';
import type { Clock } from '../ports/clock.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { moveToRecycleBin, returnFromHold } from './asset-service.js';
import { updateAssetIn } from './conditional-update.js';

/** What a due operation does to the asset as it is now: apply it, or skip it for good (why). */
function outcomeFor(op: ScheduledOperation, asset: Asset | undefined): ScheduledOutcome {
  if (!asset || asset.assetState === 'DELETED') return { state: 'SKIPPED', reason: 'the asset was deleted for good' };
  const blocked = asset.assetState === 'BLOCK' || (asset.assetState === 'DELETING' && asset.stateBeforeDelete === 'BLOCK');
  if (op.operation === 'BLOCK' && blocked) return { state: 'SKIPPED', reason: 'the asset was already BLOCK' };
  if (op.operation === 'DELETE' && asset.assetState === 'DELETING') return { state: 'SKIPPED', reason: 'the asset was already in the recycle bin' };
  return { state: 'DONE' };
}

/**
 * Runs the operations of `auto_operation_config` when they are due (docs/api-behaviour.md,
 * "Scheduled operations"). Each runs at most once: it is marked finished in the transaction
 * that applies it, so a crash before the commit leaves it due, and a second worker finds it
 * already finished. Also the operator's unblock.
 */
export class ScheduledOperationService {
  constructor(private readonly deps: { store: MetadataStore; clock: Clock; onError?: (op: ScheduledOperation, err: unknown) => void }) {}

  /** Runs what is due now; returns how many operations finished (applied or skipped). */
  async runDue(limit = 100): Promise<number> {
    const due = await this.deps.store.schedule.listDue(isoTime(this.deps.clock.now()), limit);
    let finished = 0;
    for (const op of due) {
      try {
        if (await this.run(op)) finished += 1;
      } catch (err) {
        // Left PENDING (the transaction rolled back): tried again at the next round.
        this.deps.onError?.(op, err);
      }
    }
    return finished;
  }

  private run(op: ScheduledOperation): Promise<boolean> {
    return this.deps.store.transaction(async (tx) => {
      const at = this.deps.clock.now();
      const asset = await tx.getAsset(op.projectId, op.assetId);
      const outcome = outcomeFor(op, asset);
      // Finished first: a concurrent run of the same operation waits on this row, then finds it done.
      if (!(await tx.schedule.finish(op, outcome, isoTime(at)))) return false;
      if (outcome.state === 'DONE' && asset) await (op.operation === 'BLOCK' ? block(tx, asset, at) : moveToRecycleBin(tx, asset, at));
      return true;
    });
  }

  /**
   * `assetbridge assets unblock`: lifts a BLOCK, back to the state before it (also when the
   * blocked asset is in the recycle bin: its restore then returns to that state).
   */
  async unblock(assetId: string, projectId?: string): Promise<Asset> {
    return this.deps.store.transaction(async (tx) => {
      const asset = await this.findOne(tx, assetId, projectId);
      const at = this.deps.clock.now();
      const lifted = { stateBeforeBlock: null, blockReasonCode: null };
      if (asset.assetState === 'DELETING' && asset.stateBeforeDelete === 'BLOCK') {
        await updateAssetIn(tx, asset, { ...lifted, stateBeforeDelete: asset.stateBeforeBlock ?? 'UNACTIVED', updatedAt: isoTime(at) }, ['DELETING']);
      } else if (allows(assetActions.unblock, asset.assetState)) {
        await returnFromHold(tx, asset, asset.stateBeforeBlock ?? 'UNACTIVED', lifted, at, 'block');
      } else {
        throw new AppError('assetStateConflict', `asset ${assetId} is ${asset.assetState}, not BLOCK`);
      }
      return (await tx.getAsset(asset.projectId, asset.assetId)) ?? asset;
    });
  }

  /** The asset with this id (in `projectId` when given); an id held in several projects needs the project. */
  private async findOne(tx: MetadataStore, assetId: string, projectId?: string): Promise<Asset> {
    const found = (await tx.findAssets(assetId)).filter((a) => a.assetState !== 'DELETED' && (projectId === undefined || a.projectId === projectId));
    const [asset] = found;
    if (!asset) throw new AppError('assetNotFound', projectId ? `${assetId} in project ${projectId}` : assetId);
    if (found.length > 1) {
      throw new AppError('invalidParameter', `asset id ${assetId} is held in projects ${found.map((a) => a.projectId).join(', ')}: name the project`);
    }
    return asset;
  }
}

/** A due BLOCK: frozen, remembering the state to return to; in the recycle bin, a restore returns to BLOCK. */
async function block(tx: MetadataStore, asset: Asset, at: Date): Promise<void> {
  const now = isoTime(at);
  const frozen = { blockReasonCode: scheduledBlockReason, updatedAt: now };
  if (asset.assetState === 'DELETING') {
    await updateAssetIn(tx, asset, { ...frozen, stateBeforeDelete: 'BLOCK', stateBeforeBlock: asset.stateBeforeDelete }, ['DELETING']);
    return;
  }
  // A copy in progress stops, as for a delete: its worker's next write fails.
  await tx.copyTasks.cancel(asset.projectId, asset.assetId, now);
  if (!allows(assetActions.block, asset.assetState)) throw new AppError('assetStateConflict', `asset ${asset.assetId} is ${asset.assetState}`);
  await updateAssetIn(tx, asset, { ...frozen, assetState: 'BLOCK', stateBeforeBlock: asset.assetState }, [asset.assetState]);
}
