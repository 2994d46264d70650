import { assetActions } from '../../domain/asset-states.js';
import type { CopyTask, CopyTaskState } from '../../domain/copy-task.js';
import { copyTaskActions } from '../../domain/copy-task-states.js';
import { AppError } from '../../domain/errors.js';
import { fileActions } from '../../domain/file-states.js';
import { allows } from '../../domain/state-machine.js';
import { isoTime } from '../../domain/time.js';
import type { Clock } from '../../ports/clock.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { updateAssetIn } from '../conditional-update.js';

/** The reason a copy cancelled by the operator shows on its asset. */
export const cancelledByOperator = 'cancelled by operator';

/**
 * What the operator does to the copies coming into a region (`assetbridge copies`), across
 * every project: list them, run a failed one again within its copy window, cancel a running one.
 * The region's workers see the result at their next step (a cancelled run loses its lease).
 */
export class CopyOperations {
  constructor(private readonly deps: { store: MetadataStore; clock: Clock; region: string }) {}

  list(filter: { projectId?: string; states?: readonly CopyTaskState[]; limit?: number } = {}): Promise<CopyTask[]> {
    return this.deps.store.copyTasks.listAcrossProjects({ ...filter, limit: filter.limit ?? 1_000 });
  }

  /** The copy of an asset id; with several projects holding one, the project must be named. */
  async find(assetId: string, projectId?: string, store: MetadataStore = this.deps.store): Promise<CopyTask> {
    const found = await store.copyTasks.listAcrossProjects({ assetId, projectId, limit: 2 });
    const [task, other] = found;
    if (!task) throw new AppError('copyNotFound', `no copy of asset ${assetId} in region ${this.deps.region}${projectId ? ` and project ${projectId}` : ''}`);
    if (other) throw new AppError('invalidParameter', `asset ${assetId} has copies in several projects (${task.projectId}, ${other.projectId}): name one with --project`);
    return task;
  }

  /** A failed (or operator-cancelled) copy runs again from byte 0 with its replication info, while its capabilities live. */
  async retry(assetId: string, projectId?: string): Promise<CopyTask> {
    return this.deps.store.transaction(async (tx) => {
      const task = await this.find(assetId, projectId, tx);
      const asset = await tx.getAsset(task.projectId, task.assetId);
      const now = this.deps.clock.now();
      if (!allows(copyTaskActions.retry, task.state) || !asset || !allows(assetActions.copyRestarted, asset.assetState)) {
        const assetState = asset?.assetState ?? 'gone';
        throw new AppError('copyNotRetryable', `the copy of ${assetId} is ${task.state} and its asset ${assetState}; only a FAILED copy whose asset is FAILED can be retried${assetState === 'DELETING' ? ' (restore the asset first)' : ''}`);
      }
      if (now.toISOString() >= task.deadline) {
        throw new AppError('copyWindowEnded', `the copy window of ${assetId} ended at ${task.deadline}: post the replication info again (assetbridge copy ${assetId} --from ${task.sourceRegion} --to ${this.deps.region})`);
      }
      // A cancelled copy's download capabilities were removed when it ended (docs/replication.md).
      if (task.files.some((f) => !f.cap)) {
        throw new AppError('copyNotRetryable', `the copy of ${assetId} no longer holds its download capabilities (they are removed when a copy is cancelled): post the replication info again (assetbridge copy ${assetId} --from ${task.sourceRegion} --to ${this.deps.region})`);
      }
      if (!task.sweptAt) throw new AppError('copyNotRetryable', `what the last run of ${assetId} stored is not removed yet (a worker of the region does it within a minute): try again then`);
      const at = isoTime(now);
      const retried: CopyTask = {
        ...task, state: 'CREATING', leaseOwner: null, leaseExpiresAt: null, nextRunAt: at, attempts: 0, lastError: null, failureCode: null,
        filesDone: 0, bytesDone: 0, finishedAt: null,
      };
      await tx.copyTasks.restartTask(retried);
      await updateAssetIn(tx, asset, { assetState: 'CREATING', reason: null, failType: null, updatedAt: at }, assetActions.copyRestarted.from);
      for (const f of task.files) await tx.updateFile(f.id, { state: 'CREATING', updatedAt: at }, fileActions.copyRetried.from);
      return (await tx.copyTasks.getTask(task.projectId, task.assetId)) ?? retried;
    });
  }

  /** A running copy stops: its asset turns FAILED (reason `cancelled by operator`); a worker removes what it stored. */
  async cancel(assetId: string, projectId?: string): Promise<CopyTask> {
    return this.deps.store.transaction(async (tx) => {
      const task = await this.find(assetId, projectId, tx);
      const at = isoTime(this.deps.clock.now());
      if (!(await tx.copyTasks.cancel(task.projectId, task.assetId, at))) {
        throw new AppError('copyNotRunning', `the copy of ${assetId} is ${task.state}: only a copy in progress (CREATING) can be cancelled`);
      }
      // A running copy's asset is CREATING (a delete would have cancelled the task before).
      await updateAssetIn(tx, task, { assetState: 'FAILED', reason: cancelledByOperator, updatedAt: at }, assetActions.copyFailed.from);
      for (const f of task.files) await tx.updateFile(f.id, { state: 'FAILED', updatedAt: at }, fileActions.copyFailed.from);
      return (await tx.copyTasks.getTask(task.projectId, task.assetId)) ?? task;
    });
  }
}
