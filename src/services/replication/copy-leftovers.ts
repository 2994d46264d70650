import type { CopyTask } from '../../domain/copy-task.js';
import { copyTaskStateRules } from '../../domain/copy-task-states.js';
import { isoTime } from '../../domain/time.js';
import type { BlobStore } from '../../ports/blob-store.js';
import type { Clock } from '../../ports/clock.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { copyBlobKey } from './replication-service.js';

/**
 * What an ended (failed or cancelled) run of a copy stored, removed: its unfinished segmented
 * uploads (aborted by their recorded ids: S3 parts, disk staging files), then its blobs. The
 * sweeper does it, a worker right after a run fails, and an import before it starts the copy
 * again (the new run's task forgets the old run's upload ids).
 */
export class CopyLeftovers {
  constructor(private readonly o: { store: MetadataStore; blobs: BlobStore; clock: Clock }) {}

  /** Removes what the run `task` left, unless the task moved on to a run that is not ended. */
  async remove(task: CopyTask): Promise<void> {
    const current = await this.o.store.copyTasks.getTask(task.projectId, task.assetId);
    if (current && !copyTaskStateRules[current.state].leavesLeftovers) return;
    const same = current?.epoch === task.epoch;
    // Unfinished segmented uploads first (their ids are in the database), then the blobs.
    const progress = same ? await this.o.store.copyTasks.fileProgress(task.projectId, task.assetId) : [];
    for (const p of progress) if (p.uploadId) await this.o.blobs.segmented.abort(copyBlobKey(task.projectId, p.fileId, task.tokenId), p.uploadId);
    if (progress.length > 0) await this.o.store.copyTasks.clearSegments(task.projectId, task.assetId);
    for (const f of task.files) await this.o.blobs.delete(copyBlobKey(task.projectId, f.id, task.tokenId));
    if (same && current) await this.o.store.copyTasks.markSwept(current, isoTime(this.o.clock.now()));
  }
}
