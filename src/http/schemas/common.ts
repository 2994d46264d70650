import { Type, type TSchema } from '@sinclair/typebox';
import { fileCategories } from '../../domain/asset.js';
import { idPattern } from '../../domain/ids.js';
import { FreeObject, stringEnum } from '../../domain/schema-parts.js';
import { fieldOutputProperties } from './asset-fields.js';

export const Id = Type.String({ pattern: idPattern, description: '32 lowercase hex characters' });

export const ProjectParams = Type.Object({ project_id: Id });
export const AssetParams = Type.Object({ project_id: Id, asset_id: Id });
export const FileParams = Type.Object({ project_id: Id, file_id: Id });

export const FileCategory = stringEnum(fileCategories);
/** A file name: no path separators or control characters. */
export const FileName = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^/\\\\\\x00-\\x1f]+$' });
export const FileType = Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9._+-]+$' });

export const EmptyObject = Type.Object({}, { additionalProperties: false });

export const ErrorBody = Type.Object({ error_code: Type.String(), error_msg: Type.String() });

/** Every response documents the error body beside its success body. */
export const withErrors = <T extends TSchema>(ok: T) => ({
  200: ok,
  '4xx': ErrorBody,
  '5xx': ErrorBody,
});

export const AssetFileInfo = Type.Object({
  file_id: Type.String(),
  file_name: Type.String(),
  file_size: Type.Integer(),
  file_type: Type.String(),
  asset_file_category: Type.String(),
  download_url: Type.Optional(Type.String()),
  state: Type.String(),
  block_reason_code: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  file_extra_meta: Type.Optional(FreeObject),
  file_md5: Type.Optional(Type.String()),
  file_sha256: Type.Optional(Type.String()),
});

export const ReplicationProgress = Type.Object({
  source_region: Type.String(),
  source_asset_id: Type.String(),
  state: Type.String({ description: 'CREATING, ACTIVED, FAILED or CANCELLED' }),
  files_done: Type.Integer(),
  files_total: Type.Integer(),
  bytes_done: Type.Integer(),
  bytes_total: Type.Integer(),
  attempts: Type.Integer(),
  last_error: Type.Optional(Type.String()),
  failure_code: Type.Optional(Type.String()),
  started_at: Type.String(),
  finished_at: Type.Optional(Type.String()),
});

/** One replica of the asset in another region, under a replication rule (region A's view). */
export const ReplicaStatusInfo = Type.Object({
  target_region: Type.String(),
  rule_id: Type.String(),
  state: Type.String({ description: 'PENDING, COPYING, COMPLETED or FAILED' }),
  last_error: Type.Optional(Type.String()),
  completed_time: Type.Optional(Type.String()),
});

export const DigitalAssetInfo = Type.Object({
  replication: Type.Optional(ReplicationProgress),
  replication_status: Type.Optional(Type.Array(ReplicaStatusInfo, { description: 'replicas under replication rules (only on an asset that has any)' })),
  project_id: Type.String(),
  asset_id: Type.String(),
  produce_id: Type.String(),
  ...fieldOutputProperties,
  app_user_id: Type.Optional(Type.String()),
  create_time: Type.String(),
  update_time: Type.String(),
  asset_state: Type.String(),
  fail_type: Type.Optional(Type.String()),
  block_reason_code: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  files: Type.Array(AssetFileInfo),
});
