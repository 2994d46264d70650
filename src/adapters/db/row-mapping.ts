import type { Selectable } from 'kysely';
import type { ReplicaOrigin } from '../../domain/replication-rule.js';
import type { Asset, AssetFile, AssetState, FileCategory, FileState } from '../../domain/asset.js';
import { storedFieldEntries, type AssetFieldValues } from '../../domain/asset-fields.js';
import type { AssetPatch, FilePatch } from '../../ports/metadata-store.js';
import type { AssetFieldColumns, AssetsTable, FilesTable } from './schema.js';
import { tagSetOf } from './asset-terms.js';

const json = (value: unknown): string => JSON.stringify(value);
const parse = <T>(text: string | null, fallback: T): T => (text === null ? fallback : (JSON.parse(text) as T));

/** The columns of the fields present in `values` (see the asset field table). */
function fieldsToColumns(values: Partial<AssetFieldValues>): Partial<AssetFieldColumns> {
  const row: Record<string, unknown> = {};
  for (const [key, f] of storedFieldEntries) {
    const value = values[key];
    if (value === undefined) continue;
    row[f.api] = f.storage === 'json' && value !== null ? json(value) : value;
  }
  return row;
}

function columnsToFields(row: AssetFieldColumns): AssetFieldValues {
  const values: Record<string, unknown> = {};
  for (const [key, f] of storedFieldEntries) {
    const stored = (row as Record<string, unknown>)[f.api] as string | number | null;
    values[key] = f.storage === 'json' && typeof stored === 'string' ? JSON.parse(stored) : stored;
  }
  return values as AssetFieldValues;
}

export function assetToRow(a: Asset): AssetsTable {
  // Properties added one by one to the field columns' object: spreading an object built with
  // computed keys into a literal costs several times the whole mapping.
  const row = fieldsToColumns(a) as AssetsTable;
  row.project_id = a.projectId;
  row.asset_id = a.assetId;
  row.produce_id = a.produceId;
  row.app_user_id = a.appUserId;
  row.asset_state = a.assetState;
  row.state_before_delete = a.stateBeforeDelete;
  row.state_before_block = a.stateBeforeBlock;
  row.fail_type = a.failType;
  row.block_reason_code = a.blockReasonCode;
  row.reason = a.reason;
  row.created_at = a.createdAt;
  row.updated_at = a.updatedAt;
  row.deleted_at = a.deletedAt;
  const tagSet = tagSetOf(a.tags);
  row.tag_set = tagSet.tag_set;
  row.tag_set_key = tagSet.tag_set_key;
  if (a.origin) Object.assign(row, originToRow(a.origin));
  return row;
}

/** A replica's origin columns (all null for an asset that is no replica). */
export function originToRow(o: ReplicaOrigin | null): Pick<AssetsTable, 'origin_region' | 'origin_project_id' | 'origin_asset_id' | 'origin_rule_id' | 'origin_version'> {
  return {
    origin_region: o?.region ?? null,
    origin_project_id: o?.projectId ?? null,
    origin_asset_id: o?.assetId ?? null,
    origin_rule_id: o?.ruleId ?? null,
    origin_version: o?.version ?? null,
  };
}

function rowToOrigin(r: AssetsTable): ReplicaOrigin | null {
  if (!r.origin_region || !r.origin_project_id || !r.origin_asset_id) return null;
  return { region: r.origin_region, projectId: r.origin_project_id, assetId: r.origin_asset_id, ruleId: r.origin_rule_id ?? null, version: Number(r.origin_version ?? 0) };
}

export function rowToAsset(r: AssetsTable): Asset {
  // As in `assetToRow`: no spread of the fields' object (a list maps every row of its page).
  const a = columnsToFields(r) as Asset;
  a.projectId = r.project_id;
  a.assetId = r.asset_id;
  a.produceId = r.produce_id;
  a.appUserId = r.app_user_id;
  a.assetState = r.asset_state as AssetState;
  a.stateBeforeDelete = r.state_before_delete as AssetState | null;
  a.stateBeforeBlock = r.state_before_block as AssetState | null;
  a.failType = r.fail_type;
  a.blockReasonCode = r.block_reason_code;
  a.reason = r.reason;
  a.createdAt = r.created_at;
  a.updatedAt = r.updated_at;
  a.deletedAt = r.deleted_at;
  if (r.version !== undefined) a.version = Number(r.version);
  if (r.origin_region) a.origin = rowToOrigin(r);
  return a;
}

export function assetPatchToRow(p: AssetPatch): Partial<AssetsTable> {
  const row: Partial<AssetsTable> = { ...fieldsToColumns(p), updated_at: p.updatedAt };
  if (p.assetState !== undefined) row.asset_state = p.assetState;
  if (p.stateBeforeDelete !== undefined) row.state_before_delete = p.stateBeforeDelete;
  if (p.stateBeforeBlock !== undefined) row.state_before_block = p.stateBeforeBlock;
  if (p.blockReasonCode !== undefined) row.block_reason_code = p.blockReasonCode;
  if (p.failType !== undefined) row.fail_type = p.failType;
  if (p.reason !== undefined) row.reason = p.reason;
  if (p.deletedAt !== undefined) row.deleted_at = p.deletedAt;
  if (p.origin !== undefined) Object.assign(row, originToRow(p.origin));
  if (p.tags !== undefined) Object.assign(row, tagSetOf(p.tags));
  return row;
}

export function fileToRow(f: AssetFile): FilesTable {
  return {
    file_id: f.fileId,
    project_id: f.projectId,
    asset_id: f.assetId,
    file_name: f.fileName,
    file_size: f.fileSize,
    file_type: f.fileType,
    category: f.category,
    state: f.state,
    declared_md5: f.declaredMd5,
    md5_hex: f.md5Hex,
    sha256_hex: f.sha256Hex,
    chunk_sha256: f.chunkSha256 ? JSON.stringify(f.chunkSha256) : null,
    etag: f.etag,
    blob_key: f.blobKey,
    thumbnail_key: f.thumbnailKey,
    file_extra_meta: json(f.fileExtraMeta),
    upload_expires_at: f.uploadExpiresAt,
    reason: f.reason ?? null,
    created_at: f.createdAt,
    updated_at: f.updatedAt,
  };
}

export function rowToFile(r: Selectable<FilesTable>): AssetFile {
  return {
    fileId: r.file_id,
    projectId: r.project_id,
    assetId: r.asset_id,
    fileName: r.file_name,
    fileSize: Number(r.file_size),
    fileType: r.file_type,
    category: r.category as FileCategory,
    state: r.state as FileState,
    declaredMd5: r.declared_md5,
    md5Hex: r.md5_hex,
    sha256Hex: r.sha256_hex,
    chunkSha256: r.chunk_sha256 ? parse<string[] | null>(r.chunk_sha256, null) : null,
    etag: r.etag,
    blobKey: r.blob_key,
    thumbnailKey: r.thumbnail_key,
    fileExtraMeta: parse(r.file_extra_meta, {}),
    uploadExpiresAt: r.upload_expires_at,
    reason: r.reason ?? null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function filePatchToRow(p: FilePatch): Partial<FilesTable> {
  const row: Partial<FilesTable> = { updated_at: p.updatedAt };
  if (p.state !== undefined) row.state = p.state;
  if (p.md5Hex !== undefined) row.md5_hex = p.md5Hex;
  if (p.sha256Hex !== undefined) row.sha256_hex = p.sha256Hex;
  if (p.chunkSha256 !== undefined) row.chunk_sha256 = p.chunkSha256 ? JSON.stringify(p.chunkSha256) : null;
  if (p.etag !== undefined) row.etag = p.etag;
  if (p.uploadExpiresAt !== undefined) row.upload_expires_at = p.uploadExpiresAt;
  if (p.reason !== undefined) row.reason = p.reason;
  if (p.blobKey !== undefined) row.blob_key = p.blobKey;
  if (p.fileSize !== undefined) row.file_size = p.fileSize;
  if (p.reason !== undefined) row.reason = p.reason;
  if (p.thumbnailKey !== undefined) row.thumbnail_key = p.thumbnailKey;
  return row;
}
