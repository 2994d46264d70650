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

export interface SystemProperty {
  key: string;
  value: string;
}

/** The stored asset record (metadata only; files are separate rows). */
export interface Asset {
  projectId: string;
  assetId: string;
  produceId: string;
  assetName: string;
  assetDescription: string | null;
  appUserId: string | null;
  assetType: AssetType;
  assetState: AssetState;
  /** The state to return to on restore, set while DELETING. */
  stateBeforeDelete: AssetState | null;
  failType: string | null;
  blockReasonCode: string | null;
  reason: string | null;
  tags: string[];
  assetExtraMeta: Record<string, unknown>;
  systemProperties: SystemProperty[];
  assetOrder: number | null;
  supportedService: string[];
  autoOperationConfig: unknown[];
  reviewConfig: Record<string, unknown> | null;
  sharedConfig: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
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
  etag: string | null;
  blobKey: string;
  fileExtraMeta: Record<string, unknown>;
  uploadExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** States in which a user may edit metadata and files. */
export const liveStates: readonly AssetState[] = ['CREATING', 'FAILED', 'UNACTIVED', 'ACTIVED'];

/** States from which DeleteAsset (to the recycle bin) is allowed. */
export const deletableStates: readonly AssetState[] = ['CREATING', 'FAILED', 'UNACTIVED', 'ACTIVED', 'BLOCK', 'WAITING_DELETE'];

/**
 * Where a file's bytes live: each upload attempt (or copy run) writes its own key, so two
 * attempts never mix bytes and a row points at one complete blob.
 */
export const fileBlobKey = (projectId: string, fileId: string, attempt: string): string => `files/${projectId}/${fileId}/${attempt}`;
