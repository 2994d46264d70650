import type { AssetFieldValues } from './asset-fields.js';
import type { ReplicaOrigin } from './replication-rule.js';

/** Asset and file vocabulary, as MetaStudio names it (api.md). */

export const assetTypes = [
  'HUMAN_MODEL', 'VOICE_MODEL', 'SCENE', 'ANIMATION', 'VIDEO', 'IMAGE', 'PPT', 'MATERIAL',
  'NORMAL_MODEL', 'COMMON_FILE', 'HUMAN_MODEL_2D', 'BUSINESS_CARD_TEMPLET', 'MUSIC', 'AUDIO',
] as const;
export type AssetType = (typeof assetTypes)[number];

export const assetStates = [
  'CREATING', 'FAILED', 'UNACTIVED', 'ACTIVED', 'DELETING', 'DELETED', 'BLOCK', 'WAITING_DELETE',
] as const;
export type AssetState = (typeof assetStates)[number];

export const fileCategories = ['MAIN', 'COVER', 'PAGE', 'SAMPLE', 'OTHER', 'TEMPORARY', 'PACKAGE'] as const;
export type FileCategory = (typeof fileCategories)[number];

export const fileStates = [
  'CREATING', 'CREATED', 'FAILED', 'CANCELLED', 'DELETING', 'DELETED', 'UPLOADED', 'REVIEW', 'BLOCK',
] as const;
export type FileState = (typeof fileStates)[number];

/** ListAssets sort keys: MetaStudio's three, and `asset_name` (ours). */
export const assetSortKeys = ['create_time', 'update_time', 'asset_order', 'asset_name'] as const;
export type AssetSortKey = (typeof assetSortKeys)[number];

export interface SystemProperty {
  key: string;
  value: string;
}

/**
 * The stored asset record (metadata only; files are separate rows). The user-editable fields
 * come from the field table (`asset-fields.ts`); these are the ones the service keeps.
 */
export interface Asset extends AssetFieldValues {
  projectId: string;
  assetId: string;
  produceId: string;
  appUserId: string | null;
  assetState: AssetState;
  /** The state to return to on restore, set while DELETING. */
  stateBeforeDelete: AssetState | null;
  /** The state to return to when the operator lifts a BLOCK, set while BLOCK. */
  stateBeforeBlock: AssetState | null;
  failType: string | null;
  blockReasonCode: string | null;
  reason: string | null;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  /** Moves on with every change of the asset or its files (the store keeps it; 1 when created). */
  version?: number;
  /** Set on a replica made by a replication rule of another region. */
  origin?: ReplicaOrigin | null;
}

export interface AssetFile {
  fileId: string;
  projectId: string;
  assetId: string;
  fileName: string;
  fileSize: number;
  fileType: string;
  category: FileCategory;
  state: FileState;
  /** Base64 MD5 the client declared (RFC 1864). */
  declaredMd5: string | null;
  /** Hex digests computed while the bytes streamed in. */
  md5Hex: string | null;
  sha256Hex: string | null;
  /** SHA-256 of every 16 MiB chunk (domain/chunks.ts); null until known (files stored before they were kept). */
  chunkSha256?: string[] | null;
  etag: string | null;
  blobKey: string;
  /** A MAIN image file's thumbnail (a JPEG), once made. */
  thumbnailKey: string | null;
  fileExtraMeta: Record<string, unknown>;
  uploadExpiresAt: string | null;
  /** Why the file failed, when the service knows (e.g. `upload expired`). */
  reason?: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * Where a file's bytes live: each upload attempt (or copy run) writes its own key, so two
 * attempts never mix bytes and a row points at one complete blob.
 */
export const fileBlobKey = (projectId: string, fileId: string, attempt: string): string => `files/${projectId}/${fileId}/${attempt}`;

/** Where the thumbnail of the bytes under `blobKey` goes: beside them, keyed alike (it moves and goes with them). */
export const thumbnailBlobKey = (blobKey: string): string => blobKey.replace(/^files\//, 'thumbnails/');
