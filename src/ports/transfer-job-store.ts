import type { TransferJob, TransferJobState, TransferType } from '../domain/transfer.js';

/** ListTransferAssetJobs filters, already validated. */
export interface TransferJobQuery {
  projectId: string;
  /** ALL: jobs the project sends or receives; SENDER: sends; RECEIVER: receives. */
  role: 'ALL' | 'SENDER' | 'RECEIVER';
  transferType: TransferType;
  /** States as of `now`: a PROCESSING job past its expiry counts as FAIL. None: every state. */
  states?: TransferJobState[];
  /** ISO time the states are read at. */
  now: string;
  offset: number;
  limit: number;
}

/** How a job ends. */
export interface TransferJobEnd {
  state: Exclude<TransferJobState, 'PROCESSING'>;
  /** ISO time. */
  finishTime: string;
  reason?: string | null;
  errorCode?: string | null;
  errorMsg?: string | null;
}

/**
 * Transfer jobs and the assets each carries. Reached as `MetadataStore.transfers`, so a job
 * changes in the same transaction as the assets it moves.
 */
export interface TransferJobStore {
  insertJob(job: TransferJob): Promise<void>;
  getJob(jobId: string): Promise<TransferJob | undefined>;
  /** Newest first (start time, then job id). */
  listJobs(query: TransferJobQuery): Promise<{ count: number; jobs: TransferJob[] }>;
  /** Ends a job still PROCESSING and not expired at `now` (ISO); false when it was not, and nothing changed. */
  endJob(jobId: string, end: TransferJobEnd, now: string): Promise<boolean>;
  /** A job PROCESSING and not expired at `now` that carries one of these assets of the project. */
  pendingJobFor(projectId: string, assetIds: readonly string[], now: string): Promise<{ jobId: string; assetId: string } | undefined>;
  /**
   * Writes FAIL (with `error`, finished at its expiry) on every PROCESSING job expired at `now`;
   * one conditional statement, safe with any number of workers. Returns how many.
   */
  expireDue(now: string, error: { code: string; message: string }): Promise<number>;
}
