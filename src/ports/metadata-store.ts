import type { Asset, AssetFile, AssetSortKey, AssetState, AssetType, FileState } from '../domain/asset.js';
import type { AssetFieldValues } from '../domain/asset-fields.js';
import type { CopyTaskState } from '../domain/copy-task.js';
import type { ReplicaOrigin, ReplicaState } from '../domain/replication-rule.js';
import type { RuleStore } from './rule-store.js';
import type { CopyTaskStore } from './copy-task-store.js';
import type { LargeUploadStore } from './large-upload-store.js';
import type { ScheduleStore } from './schedule-store.js';
import type { TransferJobStore } from './transfer-job-store.js';

/** ListAssets `role`: SHARER lists what the project shares, SHAREE what other projects share with it. */
export type ShareRole = 'SHARER' | 'SHAREE';

/** ListAssets filters, already validated. Every present filter narrows the result. */
export interface AssetQuery {
  projectId: string;
  /** Narrows to one app user's assets (from `X-App-UserId` or the `app_user_id` filter). */
  appUserId?: string;
  /** Substring of the name (exact where `accurateFields` has `name`). */
  name?: string;
  assetTypes?: AssetType[];
  /** Default: every state except DELETED. */
  assetStates?: AssetState[];
  assetIds?: string[];
  /** Only incoming copies (assets a copy task makes in this region) whose copy is in one of these states. */
  copyStates?: CopyTaskState[];
  /** Substring of any of the asset's tags (exact where `accurateFields` has `tag`). */
  tag?: string;
  /** Filters matched exactly instead of by substring (MetaStudio's `accurate_query_field`). */
  accurateFields?: ('name' | 'tag')[];
  /** `KEY` or `KEY:VALUE` pairs; all must match. */
  systemProperties?: { key: string; value?: string }[];
  /** ISO-8601, inclusive bounds on create time. */
  startTime?: string;
  endTime?: string;
  /** Assets with a replica (under any rule) in one of these states. */
  replicationStates?: ReplicaState[];
  /**
   * SHARER: only the project's assets under a share live at `now` (ISO). SHAREE: instead of the
   * project's own assets, those other projects share with it through a live share, in a
   * readable state (`projectId` is then the sharee).
   */
  sharing?: { role: ShareRole; now: string };
  /**
   * Ties break by asset id in the same direction, except `asset_order`: assets without an order
   * come last in both directions, and equal orders list newest first.
   */
  sortKey: AssetSortKey;
  sortDir: 'asc' | 'desc';
  offset: number;
  limit: number;
}

/** A change to an asset: any of its fields (from the field table) and the state the service keeps. */
export interface AssetPatch extends Partial<AssetFieldValues> {
  assetState?: AssetState;
  stateBeforeDelete?: AssetState | null;
  stateBeforeBlock?: AssetState | null;
  blockReasonCode?: string | null;
  failType?: string | null;
  reason?: string | null;
  deletedAt?: string | null;
  /** A replica's origin (null: an ordinary asset from now on). */
  origin?: ReplicaOrigin | null;
  updatedAt: string;
}

export interface FilePatch {
  state?: FileState;
  md5Hex?: string | null;
  sha256Hex?: string | null;
  chunkSha256?: string[] | null;
  etag?: string | null;
  uploadExpiresAt?: string | null;
  reason?: string | null;
  blobKey?: string;
  /** A large file's size, known once assembled. */
  fileSize?: number;
  thumbnailKey?: string | null;
  updatedAt: string;
}

/** Thrown by `insertAsset` when the (project, asset id) pair is taken: a race to lose gracefully. */
export class DuplicateAssetIdError extends Error {
  constructor() {
    super('asset id already exists in the project');
    this.name = 'DuplicateAssetIdError';
  }
}

/** How a file's write treats its asset. */
export interface FileWriteOptions {
  /**
   * The caller writes the asset's row itself in the same transaction (inserts it, or updates it
   * through `updateAsset`, which moves its version on and lets the rules hear of it): the file's
   * write does not touch the asset again. Default false.
   */
  assetTouched?: boolean;
}

/**
 * Metadata repositories. Methods run in the current transaction when called on the
 * store handed to `transaction`'s callback.
 */
export interface MetadataStore {
  transaction<T>(fn: (tx: MetadataStore) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in a savepoint of the current transaction (call it on a transaction's store):
   * when `fn` throws, its writes are undone, the error is rethrown and the transaction goes on,
   * so one piece of work of several grouped in one transaction can fail alone.
   */
  savepoint<T>(fn: (tx: MetadataStore) => Promise<T>): Promise<T>;
  /** Copy tasks, in the same transaction as the rest. */
  readonly copyTasks: CopyTaskStore;
  /** Transfer jobs, in the same transaction as the rest. */
  readonly transfers: TransferJobStore;
  /** Large files' uploads in parts, in the same transaction as the rest. */
  readonly largeUploads: LargeUploadStore;
  /** The schedule of `auto_operation_config`, in the same transaction as the rest. */
  readonly schedule: ScheduleStore;
  /** Replication rules, their outbox and replica states, in the same transaction as the rest. */
  readonly rules: RuleStore;

  /** Throws AppError `assetNameExists` when the name is taken, DuplicateAssetIdError when the id is. */
  insertAsset(asset: Asset): Promise<void>;
  getAsset(projectId: string, assetId: string): Promise<Asset | undefined>;
  /**
   * A text that changes whenever anything ShowAsset shows of this asset (in its own project)
   * changes: the asset and its files (through the asset's version and produce id), its copy
   * task and its replicas (their shown columns, read as they are). `undefined` when the project
   * holds no such asset. Read from the database every time: right for every process of a region.
   */
  showStamp(projectId: string, assetId: string): Promise<string | undefined>;
  /** The assets with this id, in whichever projects hold one (operator commands name an asset by its id). */
  findAssets(assetId: string): Promise<Asset[]>;
  /**
   * Applies the patch when the asset exists and (if given) is in one of `onlyIn` states.
   * Returns false when nothing matched. Throws `assetNameExists` on a name clash.
   */
  updateAsset(projectId: string, assetId: string, patch: AssetPatch, onlyIn?: readonly AssetState[]): Promise<boolean>;
  listAssets(query: AssetQuery): Promise<{ count: number; assets: Asset[] }>;
  /** Assets in the recycle bin deleted before `before` (ISO time), oldest first. */
  listExpiredRecycled(before: string, limit: number): Promise<Asset[]>;
  /**
   * The asset `assetId` of another project that shares it with `shareeProjectId` through a
   * share live at `now` (ISO), in a readable state; the first by owner project if several do.
   */
  findSharedAsset(shareeProjectId: string, assetId: string, now: string): Promise<Asset | undefined>;
  /**
   * A transfer's move: the asset and its file rows change project, only while the asset is in
   * one of `onlyIn` states (false when nothing matched). The rows keep their blob keys; the
   * share is dropped (`shared_config` unset). Throws `assetNameExists` when the name is taken
   * in the destination, DuplicateAssetIdError when the id is.
   */
  moveAsset(
    from: { projectId: string; assetId: string },
    toProjectId: string,
    change: { appUserId: string | null; updatedAt: string },
    onlyIn: readonly AssetState[],
  ): Promise<boolean>;
  /** Removes an asset deleted for good (and its file rows), so its id can be used anew. */
  removeDeletedAsset(projectId: string, assetId: string): Promise<void>;

  /**
   * Takes the quota lock of a project until the current transaction ends (call it on a
   * transaction's store): counts read after it stay true until the insert they admit commits.
   */
  lockProjectQuota(projectId: string): Promise<void>;
  /** Assets of a project that are not deleted for good (the recycle bin included), as the store keeps count. */
  countAssets(projectId: string): Promise<number>;
  /** Files shown on an asset (failed ones included). */
  countListedFiles(projectId: string, assetId: string): Promise<number>;
  /** Bytes declared by the project's uploads still awaiting their bytes or their confirmation. */
  pendingUploadBytes(projectId: string): Promise<number>;
  /** Files awaiting their upload whose upload URL expired before `before` (ISO time), oldest first. */
  listExpiredUploads(before: string, limit: number): Promise<AssetFile[]>;

  /** Adds a file row; the asset's version moves on and the rules hear of it (unless `options.assetTouched`). */
  insertFile(file: AssetFile, options?: FileWriteOptions): Promise<void>;
  getFile(projectId: string, fileId: string): Promise<AssetFile | undefined>;
  listFiles(projectId: string, assetIds: readonly string[]): Promise<AssetFile[]>;
  /** A file by its id alone, in whichever project holds it (file ids are unique). */
  findFile(fileId: string): Promise<AssetFile | undefined>;
  /** Returns false when the file is gone or not in one of `onlyIn` states. */
  updateFile(fileId: string, patch: FilePatch, onlyIn?: readonly FileState[], options?: FileWriteOptions): Promise<boolean>;
  deleteFile(fileId: string): Promise<void>;
}
