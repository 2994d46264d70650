import { AppError } from '../domain/errors.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { TransferQuota } from './transfers/transfer-accept.js';

/** Per-project limits: QUOTA_ASSETS_PER_PROJECT, QUOTA_FILES_PER_ASSET, QUOTA_PENDING_UPLOAD_BYTES (README settings). */
export interface QuotaLimits {
  readonly assetsPerProject: number;
  readonly filesPerAsset: number;
  readonly pendingUploadBytes: number;
}

/** What is about to appear in one project. */
export interface Admission {
  projectId: string;
  /** New assets (a create, a copy's import, a transfer's accept). */
  assets?: number;
  /** New files on one asset; `uploadBytes`: the bytes they declare for an upload (none for a copy). */
  files?: { assetId: string; count: number; uploadBytes: number };
}

/**
 * The one rule of quotas, for every way an asset or a file appears. Called inside the
 * transaction that stores what it admits, after the project's quota lock: two admissions to one
 * project cannot both count the room that only one of them fits in. A refusal throws (403 with
 * the quota's own code); the transaction then stores nothing.
 */
export class QuotaGuard implements TransferQuota {
  constructor(private readonly limits: QuotaLimits) {}

  async admit(tx: MetadataStore, what: Admission): Promise<void> {
    const { projectId, assets = 0, files } = what;
    await tx.lockProjectQuota(projectId);
    if (assets > 0) {
      const held = await tx.countAssets(projectId);
      if (held + assets > this.limits.assetsPerProject) {
        throw new AppError('quotaAssetsExceeded', `project ${projectId} holds ${held} assets; ${assets} more would pass its quota of ${this.limits.assetsPerProject}`);
      }
    }
    if (!files || files.count === 0) return;
    const shown = await tx.countListedFiles(projectId, files.assetId);
    if (shown + files.count > this.limits.filesPerAsset) {
      throw new AppError('quotaFilesExceeded', `asset ${files.assetId} holds ${shown} files; the quota is ${this.limits.filesPerAsset} (delete files to make room)`);
    }
    if (files.uploadBytes === 0) return;
    const pending = await tx.pendingUploadBytes(projectId);
    if (pending + files.uploadBytes > this.limits.pendingUploadBytes) {
      throw new AppError(
        'quotaPendingUploadBytesExceeded',
        `project ${projectId} awaits ${pending} bytes of uploads; ${files.uploadBytes} more would pass its quota of ${this.limits.pendingUploadBytes} (upload and confirm, or cancel, files first)`,
      );
    }
  }

  /** A transfer's accept: the moved assets are new to the receiving project. */
  admitIncoming(tx: MetadataStore, incoming: { projectId: string; assetIds: readonly string[] }): Promise<void> {
    return this.admit(tx, { projectId: incoming.projectId, assets: incoming.assetIds.length });
  }
}

