import type { AssetFields, IsNullable, StoredFieldKey } from '../../domain/asset-fields.js';

/** Table shapes as stored. JSON columns hold text; times are ISO-8601 UTC strings. */

/** A field's column: `int` holds a number, `text` and `json` hold text; NULL while the field is unset. */
type FieldColumn<K extends StoredFieldKey> = (AssetFields[K]['storage'] extends 'int' ? number : string) | (IsNullable<K> extends true ? null : never);

/** One column per field of the asset field table, named as the API names the field. */
export type AssetFieldColumns = { [K in StoredFieldKey as AssetFields[K]['api']]: FieldColumn<K> };

export interface AssetsTable extends AssetFieldColumns {
  project_id: string;
  asset_id: string;
  /** The asset's tags, distinct and sorted, one per line, and its SHA-256 (migration 017, `tagSetOf`). */
  tag_set: string;
  tag_set_key: string;
  produce_id: string;
  app_user_id: string | null;
  asset_state: string;
  state_before_delete: string | null;
  state_before_block: string | null;
  fail_type: string | null;
  block_reason_code: string | null;
  reason: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  /** Moves on with every change of the asset or its files (migration 012). */
  version?: number;
  /** A replica's origin; `origin_rule_id` while a rule feeds it (migration 012). */
  origin_region?: string | null;
  origin_project_id?: string | null;
  origin_asset_id?: string | null;
  origin_rule_id?: string | null;
  origin_version?: number | null;
}

export interface FilesTable {
  file_id: string;
  project_id: string;
  asset_id: string;
  file_name: string;
  file_size: number;
  file_type: string;
  category: string;
  state: string;
  declared_md5: string | null;
  md5_hex: string | null;
  sha256_hex: string | null;
  /** JSON array of hex SHA-256, one per 16 MiB chunk (migration 005). */
  chunk_sha256?: string | null;
  etag: string | null;
  blob_key: string;
  thumbnail_key: string | null;
  file_extra_meta: string;
  upload_expires_at: string | null;
  reason?: string | null;
  created_at: string;
  updated_at: string;
}

export interface CopyTasksTable {
  project_id: string;
  asset_id: string;
  source_region: string;
  source_project_id: string;
  source_asset_id: string;
  token_id: string;
  manifest: string;
  state: string;
  epoch: number;
  lease_owner: string | null;
  lease_expires_at: string | null;
  next_run_at: string;
  attempts: number;
  last_error: string | null;
  failure_code: string | null;
  files_done: number;
  bytes_done: number;
  bytes_total: number;
  deadline: string;
  request_id: string | null;
  started_at: string;
  finished_at: string | null;
  swept_at?: string | null;
  caps_dropped_at?: string | null;
  claims?: number;
}

export interface CopyFilesTable {
  project_id: string;
  asset_id: string;
  file_id: string;
  offset_bytes: number;
  done: number;
  /** The file's multipart upload (S3) or staging file (disk) while the copy runs (migration 005). */
  upload_id?: string | null;
}

/** One stored, verified segment of a copied file (migration 005): the part's ETag on S3. */
export interface CopySegmentsTable {
  project_id: string;
  asset_id: string;
  file_id: string;
  segment_index: number;
  bytes: number;
  etag: string;
}

export interface TransferJobsTable {
  job_id: string;
  transfer_type: string;
  src_project_id: string;
  dest_project_id: string;
  back_of_job_id: string | null;
  state: string;
  memo: string | null;
  reason: string | null;
  start_time: string;
  finish_time: string | null;
  expire_time: string;
  error_code: string | null;
  error_msg: string | null;
}

/** The assets of a job, in the order they were given, as they were when it was created. */
export interface TransferJobAssetsTable {
  job_id: string;
  asset_id: string;
  position: number;
  asset_name: string;
  asset_type: string;
}

/**
 * Who each asset is shared with: an index of the assets' `shared_config` (the truth), kept by
 * the store in the same transaction as every write of that column.
 */
export interface AssetSharesTable {
  owner_project_id: string;
  asset_id: string;
  sharee_project_id: string;
  /** ISO time. */
  expire_time: string;
}

/** An asset's tags, system properties, and each project's tag vocabulary, as rows (asset-terms.ts). */
export interface AssetTagsTable {
  project_id: string;
  asset_id: string;
  tag: string;
  /** The asset's state and creation time (migration 017: kept with the asset row). */
  asset_state: string;
  created_at: string;
}

export interface ProjectTagsTable {
  project_id: string;
  tag: string;
}

export interface AssetPropertiesTable {
  project_id: string;
  asset_id: string;
  prop_key: string;
  prop_value: string;
  /** The asset's state and creation time (migration 017: kept with the asset row). */
  asset_state: string;
  created_at: string;
}

/** Each project's number of assets per tag set and state (migration 017: kept by triggers on `assets`). */
export interface ProjectTagSetCountsTable {
  project_id: string;
  tag_set_key: string;
  asset_state: string;
  tag_set: string;
  assets: number;
}

/** Each project's number of assets per exact tag and state (migration 017: kept by triggers on `asset_tags`). */
export interface ProjectTagCountsTable {
  project_id: string;
  tag: string;
  asset_state: string;
  assets: number;
}

/** Each project's number of assets per property key, value and state (migration 017: triggers on `asset_properties`). */
export interface ProjectPropertyCountsTable {
  project_id: string;
  prop_key: string;
  prop_value: string;
  asset_state: string;
  assets: number;
}

/** Each project's number of assets in each state (migration 017: kept by triggers on `assets`). */
export interface ProjectAssetCountsTable {
  project_id: string;
  asset_state: string;
  assets: number;
}

/** Assets each project holds (every state but DELETED), kept by the store with each change of it. */
export interface ProjectUsageTable {
  project_id: string;
  assets: number;
}

/** A large file's upload in parts: receiving them, then assembling (by a worker holding a lease). */
export interface LargeUploadsTable {
  file_id: string;
  project_id: string;
  part_count: number;
  part_size: number;
  file_size: number | null;
  /** The blob store's multipart upload id. */
  upload_id: string;
  state: string;
  lease_owner: string | null;
  lease_expires_at: string | null;
  next_run_at: string;
  attempts: number;
  last_error: string | null;
}

/** A part being written (`size` null) or written (its size and the store's validator). */
export interface LargeUploadPartsTable {
  file_id: string;
  part_number: number;
  /** Which send of the part this row stands for: a later send replaces it. */
  attempt: string;
  size: number | null;
  etag: string | null;
}

/** The schedule of `auto_operation_config`, one row per entry: PENDING until it ran (DONE) or could not apply (SKIPPED). */
export interface ScheduledOperationsTable {
  project_id: string;
  asset_id: string;
  operation: string;
  run_at: string;
  state: string;
  finished_at: string | null;
  reason: string | null;
}

/** A project's replication rule (migration 012). `filter` is JSON; flags are 0/1. */
export interface ReplicationRulesTable {
  rule_id: string;
  project_id: string;
  account_id: string;
  rule_name: string;
  target_region: string;
  target_project_id: string;
  filter: string;
  replicate_updates: number;
  replicate_deletes: number;
  enabled: number;
  backfill_state: string | null;
  backfill_total: number;
  created_at: string;
  updated_at: string;
  /** Set by DeleteRule: the rule is gone for the API; the row stays until region B was told. */
  deleted_at: string | null;
}

/** What region A still has to deliver: one row per rule and asset, the newest version wins. */
export interface RuleOutboxTable {
  rule_id: string;
  asset_id: string;
  project_id: string;
  version: number;
  /** When the change to deliver happened (the lag is measured from it). */
  changed_at: string;
  due_at: string;
  attempts: number;
  lease_owner: string | null;
  lease_expires_at: string | null;
  last_error: string | null;
}

/** Region A's view of each replica of an asset under a rule. */
export interface ReplicaStatusTable {
  project_id: string;
  asset_id: string;
  rule_id: string;
  target_region: string;
  state: string;
  last_error: string | null;
  version: number;
  changed_at: string;
  completed_time: string | null;
  updated_at: string;
}

export interface Database {
  assets: AssetsTable;
  files: FilesTable;
  copy_tasks: CopyTasksTable;
  copy_segments: CopySegmentsTable;
  copy_files: CopyFilesTable;
  transfer_jobs: TransferJobsTable;
  transfer_job_assets: TransferJobAssetsTable;
  asset_shares: AssetSharesTable;
  asset_tags: AssetTagsTable;
  project_tags: ProjectTagsTable;
  asset_properties: AssetPropertiesTable;
  project_usage: ProjectUsageTable;
  project_asset_counts: ProjectAssetCountsTable;
  project_tag_set_counts: ProjectTagSetCountsTable;
  project_tag_counts: ProjectTagCountsTable;
  project_property_counts: ProjectPropertyCountsTable;
  large_uploads: LargeUploadsTable;
  large_upload_parts: LargeUploadPartsTable;
  scheduled_operations: ScheduledOperationsTable;
  replication_rules: ReplicationRulesTable;
  rule_outbox: RuleOutboxTable;
  replica_status: ReplicaStatusTable;
}

/**
 * Each table's primary-key constraint, as the migrations name it (PostgreSQL reports the name
 * of a violated constraint; a test compares these with the database's own catalogue).
 */
export const primaryKeyNames = {
  assets: 'assets_pk',
  files: 'files_pkey',
  copy_tasks: 'copy_tasks_pk',
  copy_files: 'copy_files_pk',
  copy_segments: 'copy_segments_pk',
  transfer_jobs: 'transfer_jobs_pk',
  transfer_job_assets: 'transfer_job_assets_pk',
  asset_shares: 'asset_shares_pk',
  asset_tags: 'asset_tags_pk',
  project_tags: 'project_tags_pk',
  asset_properties: 'asset_properties_pk',
  project_usage: 'project_usage_pkey',
  project_asset_counts: 'project_asset_counts_pk',
  project_tag_set_counts: 'project_tag_set_counts_pk',
  project_tag_counts: 'project_tag_counts_pk',
  project_property_counts: 'project_property_counts_pk',
  large_uploads: 'large_uploads_pk',
  large_upload_parts: 'large_upload_parts_pk',
  scheduled_operations: 'scheduled_operations_pk',
  replication_rules: 'replication_rules_pk',
  rule_outbox: 'rule_outbox_pk',
  replica_status: 'replica_status_pk',
} as const satisfies Record<keyof Database, string>;
