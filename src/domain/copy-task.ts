/** A cross-region copy of one asset into this region: a durable task row. */

export const copyTaskStates = ['CREATING', 'ACTIVED', 'FAILED', 'CANCELLED'] as const;
export type CopyTaskState = (typeof copyTaskStates)[number];

/** Typed reasons a copy ended FAILED. */
export const copyFailureCodes = [
  'checksum_mismatch',
  'size_mismatch',
  'source_refused',
  'source_not_found',
  'capability_expired',
  'copy_window_expired',
  /** Claimed ASSETBRIDGE_COPY_MAX_CLAIMS times by workers that never recorded an end of their run. */
  'worker_crashed',
] as const;
export type CopyFailureCode = (typeof copyFailureCodes)[number];

/** One file of the manifest, as sealed by the source region. */
export interface ManifestFile {
  id: string;
  category: string;
  name: string;
  type: string;
  size: number;
  md5: string;
  sha256: string;
  /** SHA-256 of every 16 MiB chunk (manifest v2); absent in a v1 manifest, where the file is one segment checked against `sha256`. */
  chunks?: string[];
  /** Download capability for this region. */
  cap: string;
}

export interface CopyTask {
  projectId: string;
  assetId: string;
  sourceRegion: string;
  sourceProjectId: string;
  sourceAssetId: string;
  tokenId: string;
  files: ManifestFile[];
  state: CopyTaskState;
  epoch: number;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  nextRunAt: string;
  attempts: number;
  /**
   * Claims since the run last ended in a recorded way (activated, failed, retry scheduled,
   * handed back at shutdown): each one a worker that took the task and vanished. Read from the
   * store; a new task starts at 0.
   */
  claims?: number;
  lastError: string | null;
  failureCode: CopyFailureCode | null;
  filesDone: number;
  bytesDone: number;
  bytesTotal: number;
  /** Capabilities stop working here: the copy cannot finish later. */
  deadline: string;
  requestId: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** When the leftovers of the ended run were removed (read from the store). */
  sweptAt?: string | null;
}

/** Per-file progress: bytes verified and durable so far. */
export interface CopyFileProgress {
  fileId: string;
  offset: number;
  done: boolean;
  /** The file's segmented upload (multipart upload or staging file), once begun. */
  uploadId?: string | null;
}

/** A segment of a copied file, verified against its chunk hash and durable in the store. */
export interface CopySegment {
  fileId: string;
  index: number;
  bytes: number;
  /** The stored part's ETag (needed to complete a multipart upload). */
  etag: string;
}
