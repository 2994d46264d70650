import type { PartPlan } from '../domain/large-file.js';

/** RECEIVING: parts are being sent; ASSEMBLING: confirmed, a worker joins and hashes them. */
export type LargeUploadState = 'RECEIVING' | 'ASSEMBLING';

/** A large file's upload in parts (the file row says the rest). */
export interface LargeUpload extends PartPlan {
  fileId: string;
  projectId: string;
  /** The blob store's multipart upload id. */
  uploadId: string;
  state: LargeUploadState;
  attempts: number;
  lastError: string | null;
}

/** A received part (a part still being written is not one). */
export interface ReceivedPart {
  number: number;
  size: number;
  etag: string;
}

/** Large uploads and their parts. Methods run in the current transaction of the store that handed this out. */
export interface LargeUploadStore {
  insert(upload: LargeUpload, now: string): Promise<void>;
  get(fileId: string): Promise<LargeUpload | undefined>;
  /**
   * The upload, write-locked until the transaction ends: a part's start and the confirm take
   * this lock, so a part begun before the confirm is seen by it, and none begins after it.
   */
  lock(fileId: string): Promise<LargeUpload | undefined>;
  /** Part `number` is being (re)written by send `attempt`: until `finishPart`, it counts as missing. */
  startPart(fileId: string, number: number, attempt: string): Promise<void>;
  /** Records a written part; false when a later send of the same part started meanwhile. */
  finishPart(fileId: string, number: number, attempt: string, written: { size: number; etag: string }): Promise<boolean>;
  /** The parts received, by number. */
  receivedParts(fileId: string): Promise<ReceivedPart[]>;
  /** RECEIVING -> ASSEMBLING, due at once. */
  markAssembling(fileId: string, now: string): Promise<void>;
  /**
   * Claims one upload due for assembly whose lease is free or expired (at `now`) for `owner`
   * until `leaseUntil`; counts the attempt.
   */
  claim(owner: string, now: string, leaseUntil: string): Promise<LargeUpload | undefined>;
  /** Extends the lease while `owner` still holds it; false when it lost it. */
  renew(fileId: string, owner: string, leaseUntil: string): Promise<boolean>;
  /** Gives the lease back after a failed attempt, to be tried again at `nextRunAt`. */
  release(fileId: string, owner: string, retry: { nextRunAt: string; lastError: string }): Promise<void>;
  /** Whether a large file's upload is this one (its staging must stay). */
  hasUpload(uploadId: string): Promise<boolean>;
  /** Forgets the upload and its parts (assembled, failed, cancelled or deleted). */
  remove(fileId: string): Promise<void>;
}
