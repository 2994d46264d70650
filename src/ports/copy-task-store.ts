import type { CopyFailureCode, CopyFileProgress, CopySegment, CopyTask, CopyTaskState, ManifestFile } from '../domain/copy-task.js';

/** Which tasks the operator lists (every project unless one is named). */
export interface CopyTaskFilter {
  projectId?: string;
  assetId?: string;
  states?: readonly CopyTaskState[];
  limit: number;
}

/**
 * Copy tasks. Every write by a worker is conditional on the task being `CREATING` at the
 * worker's epoch: a worker whose lease was taken over can neither write nor activate.
 */
export interface CopyTaskStore {
  insertTask(task: CopyTask): Promise<void>;
  /** Replaces a finished task with a new run (new manifest, epoch + 1, progress reset). */
  restartTask(task: CopyTask): Promise<void>;
  getTask(projectId: string, assetId: string): Promise<CopyTask | undefined>;
  listTasks(projectId: string, assetIds: readonly string[]): Promise<CopyTask[]>;
  /** Tasks of every project (or the one named), newest first (operator commands). */
  listAcrossProjects(filter: CopyTaskFilter): Promise<CopyTask[]>;
  fileProgress(projectId: string, assetId: string): Promise<CopyFileProgress[]>;

  /** Leases up to `limit` due tasks to `owner`, each at a new epoch, counting the claim; oldest due first. */
  claimDue(options: { owner: string; now: string; leaseUntil: string; limit: number }): Promise<CopyTask[]>;
  renewLease(task: Pick<CopyTask, 'projectId' | 'assetId' | 'epoch'>, leaseUntil: string): Promise<boolean>;
  /** Records a file's fsynced offset (and whether it is verified); refreshes the totals. */
  recordProgress(task: Pick<CopyTask, 'projectId' | 'assetId' | 'epoch'>, fileId: string, offset: number, done: boolean): Promise<boolean>;
  /** Records the segmented upload a file's segments go to (any instance resumes it). */
  recordUpload(task: Pick<CopyTask, 'projectId' | 'assetId' | 'epoch'>, fileId: string, uploadId: string): Promise<boolean>;
  /** Records a verified, durable segment; adds its bytes to the file's and the task's progress. */
  recordSegment(task: Pick<CopyTask, 'projectId' | 'assetId' | 'epoch'>, segment: CopySegment): Promise<boolean>;
  /** The recorded segments of a copy. */
  segments(projectId: string, assetId: string): Promise<CopySegment[]>;
  /** Whether a copy's file records this segmented upload (its staging must stay). */
  hasUpload(uploadId: string): Promise<boolean>;
  /** Forgets a copy's segments and uploads (the uploads were completed or aborted). */
  clearSegments(projectId: string, assetId: string): Promise<void>;
  /** Releases the lease (the claim does not count as a crash) and schedules another attempt. */
  scheduleRetry(task: Pick<CopyTask, 'projectId' | 'assetId' | 'epoch'>, retry: { attempts: number; nextRunAt: string; lastError: string }): Promise<boolean>;
  /** Hands the task back at shutdown: the lease is released and the claim does not count. */
  release(task: Pick<CopyTask, 'projectId' | 'assetId' | 'epoch'>): Promise<boolean>;
  /**
   * Ends the run: ACTIVED (with the asset, in the caller's transaction) or FAILED. An ACTIVED
   * run's stored manifest loses its download capabilities at once (in the same statement when
   * the caller gives the run's `files`, the manifest it holds), and its progress becomes every
   * file and byte (the activation records the files a run did not record itself).
   */
  finish(
    task: Pick<CopyTask, 'projectId' | 'assetId' | 'epoch'>,
    end: { state: 'ACTIVED' | 'FAILED'; at: string; failureCode?: CopyFailureCode; lastError?: string; files?: readonly ManifestFile[] },
  ): Promise<boolean>;
  /** A delete of the copy's asset cancels its task (its stored manifest loses its capabilities). */
  cancel(projectId: string, assetId: string, at: string): Promise<boolean>;
  /**
   * The sweeper: removes the download capabilities still stored in ended runs' manifests
   * (ACTIVED and CANCELLED ones, FAILED ones once their copy window ended before `now`).
   * Returns how many tasks it changed.
   */
  dropEndedCapabilities(now: string, limit: number): Promise<number>;
  /** How many tasks are in each state (metrics). */
  countByState(): Promise<Record<string, number>>;
  /** Tasks that ended FAILED or CANCELLED and are not swept yet, oldest first. */
  listUnswept(limit: number): Promise<CopyTask[]>;
  /** Records that an ended run's leftovers are gone (only while the task is still that ended run). */
  markSwept(task: Pick<CopyTask, 'projectId' | 'assetId' | 'epoch'>, at: string): Promise<void>;
}
