import type { Selectable } from 'kysely';
import type { Asset, AssetFile, AssetState, AssetType, FileCategory, FileState } from '../../domain/asset.js';
import type { AssetPatch, FilePatch } from '../../ports/metadata-store.js';
import type { AssetsTable, FilesTable } from './schema.js';

const json = (value: unknown): string => JSON.stringify(value);
const parse = <T>(text: string | null, fallback: T): T => (text === null ? fallback : (JSON.parse(text) as T));

export function assetToRow(a: Asset): AssetsTable {
  return {
    project_id: a.projectId,
    asset_id: a.assetId,
    produce_id: a.produceId,
    asset_name: a.assetName,
    asset_description: a.assetDescription,
    app_user_id: a.appUserId,
    asset_type: a.assetType,
    asset_state: a.assetState,
    state_before_delete: a.stateBeforeDelete,
    fail_type: a.failType,
    block_reason_code: a.blockReasonCode,
    reason: a.reason,
    tags: json(a.tags),
    asset_extra_meta: json(a.assetExtraMeta),
    system_properties: json(a.systemProperties),
    asset_order: a.assetOrder,
    supported_service: json(a.supportedService),
    auto_operation_config: json(a.autoOperationConfig),
    review_config: a.reviewConfig === null ? null : json(a.reviewConfig),
    shared_config: a.sharedConfig === null ? null : json(a.sharedConfig),
    created_at: a.createdAt,
    updated_at: a.updatedAt,
    deleted_at: a.deletedAt,
  };
}

export function rowToAsset(r: Selectable<AssetsTable>): Asset {
  return {
    projectId: r.project_id,
    assetId: r.asset_id,
    produceId: r.produce_id,
    assetName: r.asset_name,
    assetDescription: r.asset_description,
    appUserId: r.app_user_id,
    assetType: r.asset_type as AssetType,
    assetState: r.asset_state as AssetState,
    stateBeforeDelete: r.state_before_delete as AssetState | null,
    failType: r.fail_type,
    blockReasonCode: r.block_reason_code,
    reason: r.reason,
    tags: parse(r.tags, []),
    assetExtraMeta: parse(r.asset_extra_meta, {}),
    systemProperties: parse(r.system_properties, []),
    assetOrder: r.asset_order,
    supportedService: parse(r.supported_service, []),
    autoOperationConfig: parse(r.auto_operation_config, []),
    reviewConfig: parse(r.review_config, null),
    sharedConfig: parse(r.shared_config, null),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deletedAt: r.deleted_at,
  };
}

export function assetPatchToRow(p: AssetPatch): Partial<AssetsTable> {
  const row: Partial<AssetsTable> = { updated_at: p.updatedAt };
  if (p.assetName !== undefined) row.asset_name = p.assetName;
  if (p.assetDescription !== undefined) row.asset_description = p.assetDescription;
  if (p.assetType !== undefined) row.asset_type = p.assetType;
  if (p.assetState !== undefined) row.asset_state = p.assetState;
  if (p.stateBeforeDelete !== undefined) row.state_before_delete = p.stateBeforeDelete;
  if (p.failType !== undefined) row.fail_type = p.failType;
  if (p.reason !== undefined) row.reason = p.reason;
  if (p.tags !== undefined) row.tags = json(p.tags);
  if (p.assetExtraMeta !== undefined) row.asset_extra_meta = json(p.assetExtraMeta);
  if (p.systemProperties !== undefined) row.system_properties = json(p.systemProperties);
  if (p.assetOrder !== undefined) row.asset_order = p.assetOrder;
  if (p.supportedService !== undefined) row.supported_service = json(p.supportedService);
  if (p.autoOperationConfig !== undefined) row.auto_operation_config = json(p.autoOperationConfig);
  if (p.reviewConfig !== undefined) row.review_config = p.reviewConfig === null ? null : json(p.reviewConfig);
  if (p.sharedConfig !== undefined) row.shared_config = p.sharedConfig === null ? null : json(p.sharedConfig);
  if (p.deletedAt !== undefined) row.deleted_at = p.deletedAt;
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
    etag: f.etag,
    blob_key: f.blobKey,
    file_extra_meta: json(f.fileExtraMeta),
    upload_expires_at: f.uploadExpiresAt,
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
    etag: r.etag,
    blobKey: r.blob_key,
    fileExtraMeta: parse(r.file_extra_meta, {}),
    uploadExpiresAt: r.upload_expires_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function filePatchToRow(p: FilePatch): Partial<FilesTable> {
  const row: Partial<FilesTable> = { updated_at: p.updatedAt };
  if (p.state !== undefined) row.state = p.state;
  if (p.md5Hex !== undefined) row.md5_hex = p.md5Hex;
  if (p.sha256Hex !== undefined) row.sha256_hex = p.sha256Hex;
  if (p.etag !== undefined) row.etag = p.etag;
  if (p.uploadExpiresAt !== undefined) row.upload_expires_at = p.uploadExpiresAt;
  if (p.blobKey !== undefined) row.blob_key = p.blobKey;
  return row;
}
