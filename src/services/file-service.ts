import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import type { Asset, AssetFile, FileCategory } from '../domain/asset.js';
import { fileBlobKey as blobKeyFor } from '../domain/asset.js';
import { assetActions, assetStateAfterMainConfirm, assetStateRules } from '../domain/asset-states.js';
import { AppError, isAppError } from '../domain/errors.js';
import { confirmActions, fileActions, fileStateRules } from '../domain/file-states.js';
import { allows } from '../domain/state-machine.js';
import { newId } from '../domain/ids.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { AssetService } from './asset-service.js';
import type { Clock } from '../ports/clock.js';
import { isoTime } from '../domain/time.js';
import { updateAssetIn, updateFileIn } from './conditional-update.js';
import { HashingVerifier } from './hashing-verifier.js';
import type { Principal } from '../domain/principal.js';
import { shareExpiryFor } from '../domain/sharing.js';
import type { UrlSigner } from './signed-url.js';

export interface CreateFileInput {
  assetId: string;
  fileName: string;
  fileMd5: string;
  fileSize: number;
  fileType?: string;
  category?: FileCategory;
}

/** Categories of which an asset holds at most one live file. */
const singleCategories: Partial<Record<FileCategory, 'mainFileExists' | 'coverFileExists'>> = {
  MAIN: 'mainFileExists',
  COVER: 'coverFileExists',
};

/** Files: declare, upload through a signed URL, confirm, delete, download. */
export class FileService {
  constructor(
    private readonly deps: {
      store: MetadataStore;
      blobs: BlobStore;
      clock: Clock;
      assets: AssetService;
      urls: UrlSigner;
      /** This region's public base URL: signed URLs start with it. */
      publicEndpoint: string;
      uploadUrlTtlSeconds: number;
      downloadUrlTtlSeconds: number;
      maxFileSizeBytes: number;
    },
  ) {}

  async create(principal: Principal, input: CreateFileInput): Promise<{ fileId: string; uploadUrl: string }> {
    if (input.fileSize > this.deps.maxFileSizeBytes) {
      throw new AppError('fileTooLarge', `file_size ${input.fileSize} exceeds this region's limit of ${this.deps.maxFileSizeBytes} bytes`);
    }
    const fileType = input.fileType ?? suffixOf(input.fileName);
    if (!fileType) throw new AppError('fileTypeEmpty', 'file_type is missing and file_name has no suffix');
    const category = input.category ?? 'OTHER';
    const now = this.deps.clock.now();
    const expires = Math.floor(now.getTime() / 1000) + this.deps.uploadUrlTtlSeconds;
    const fileId = newId();
    await this.deps.store.transaction(async (tx) => {
      const asset = await this.editableAsset(principal, input.assetId, tx);
      const single = singleCategories[category];
      if (single) {
        const files = await tx.listFiles(principal.projectId, [asset.assetId]);
        if (files.some((f) => f.category === category && fileStateRules[f.state].holdsSlot)) throw new AppError(single);
      }
      const file: AssetFile = {
        fileId,
        projectId: principal.projectId,
        assetId: asset.assetId,
        fileName: input.fileName,
        fileSize: input.fileSize,
        fileType,
        category,
        state: 'CREATING',
        declaredMd5: input.fileMd5,
        md5Hex: null,
        sha256Hex: null,
        etag: null,
        blobKey: blobKeyFor(principal.projectId, fileId, newId()),
        fileExtraMeta: {},
        uploadExpiresAt: isoTime(new Date(expires * 1000)),
        createdAt: isoTime(now),
        updatedAt: isoTime(now),
      };
      await tx.insertFile(file);
    });
    const path = this.deps.urls.path({ op: 'upload', projectId: principal.projectId, fileId, expires });
    return { fileId, uploadUrl: `${this.deps.publicEndpoint}${path}` };
  }

  /**
   * Receives the bytes of a declared file through its signed upload URL. The bytes are
   * verified while they stream; only a complete, matching upload becomes visible.
   */
  async upload(input: {
    projectId: string;
    fileId: string;
    expires: number;
    signature: string;
    contentMd5?: string;
    contentLength?: number;
    body: Readable;
  }): Promise<void> {
    const now = this.deps.clock.now();
    const grant = { op: 'upload' as const, projectId: input.projectId, fileId: input.fileId, expires: input.expires };
    if (!this.deps.urls.verify(grant, input.signature, Math.floor(now.getTime() / 1000))) {
      throw new AppError('urlSignatureInvalid');
    }
    const file = await this.deps.store.getFile(input.projectId, input.fileId);
    if (!file || !allows(fileActions.upload, file.state)) {
      throw new AppError('urlSignatureInvalid', 'the file no longer accepts uploads');
    }
    if (input.contentMd5 !== undefined && input.contentMd5 !== file.declaredMd5) {
      throw new AppError('contentMd5Mismatch', 'the Content-MD5 header differs from file_md5');
    }
    if (input.contentLength !== undefined && input.contentLength !== file.fileSize) {
      throw new AppError('contentSizeMismatch', `Content-Length ${input.contentLength}, declared file_size ${file.fileSize}`);
    }
    const verifier = new HashingVerifier({ size: file.fileSize, md5Base64: file.declaredMd5 });
    const sink = new PassThrough();
    const key = blobKeyFor(input.projectId, input.fileId, newId());
    // The store sees an error when the client aborts or the verifier rejects: nothing kept.
    const stored = this.deps.blobs.put(key, sink);
    const piped = pipeline(input.body, verifier, sink);
    const [pipeResult, putResult] = await Promise.allSettled([piped, stored]);
    if (pipeResult.status === 'rejected') {
      if (putResult.status === 'fulfilled') await this.deps.blobs.delete(key);
      throw pipeResult.reason;
    }
    if (putResult.status === 'rejected') throw putResult.reason;
    const digests = verifier.digests();
    const accepted = await this.deps.store.updateFile(
      file.fileId,
      { state: 'UPLOADED', md5Hex: digests.md5Hex, sha256Hex: digests.sha256Hex, chunkSha256: digests.chunkSha256, etag: `"${digests.sha256Hex}"`, blobKey: key, updatedAt: isoTime(this.deps.clock.now()) },
      fileActions.upload.from,
    );
    if (!accepted) {
      await this.deps.blobs.delete(key);
      throw new AppError('fileStateConflict', 'the file was confirmed or deleted during the upload');
    }
    if (file.blobKey !== key) await this.deps.blobs.delete(file.blobKey);
  }

  /** ConfirmFileUpload: CREATED (bytes must be there), FAILED or CANCELLED. */
  async confirm(principal: Principal, fileId: string, state: 'CREATED' | 'FAILED' | 'CANCELLED'): Promise<void> {
    const now = isoTime(this.deps.clock.now());
    const drop = await this.deps.store.transaction(async (tx) => {
      const file = await this.visibleFile(principal, fileId, tx);
      const asset = await this.deps.assets.get(principal, file.assetId, tx);
      if (file.state === state) return undefined;
      if (!allows(confirmActions[state], file.state)) {
        // Confirming CREATED before the bytes arrived is its own error: the client uploads first.
        if (state === 'CREATED' && allows(fileActions.upload, file.state)) throw new AppError('fileNotUploaded', `file ${fileId} has no uploaded bytes`);
        throw new AppError('fileStateConflict', `file ${fileId} is ${file.state}`);
      }
      await updateFileIn(tx, file, { state, uploadExpiresAt: null, updatedAt: now }, [file.state]);
      if (file.category === 'MAIN' && allows(assetActions.confirmMain, asset.assetState)) {
        const reason = state === 'FAILED' ? 'main file upload failed' : null;
        await updateAssetIn(tx, asset, { assetState: assetStateAfterMainConfirm[state], reason, updatedAt: now }, [asset.assetState]);
      }
      return state === 'CANCELLED' ? file.blobKey : undefined;
    });
    if (drop) await this.deps.blobs.delete(drop);
  }

  async delete(principal: Principal, fileId: string): Promise<void> {
    const now = isoTime(this.deps.clock.now());
    const key = await this.deps.store.transaction(async (tx) => {
      const file = await this.visibleFile(principal, fileId, tx);
      await this.editableAsset(principal, file.assetId, tx);
      await updateFileIn(tx, file, { state: 'DELETED', uploadExpiresAt: null, updatedAt: now }, fileActions.delete.from);
      return file.blobKey;
    });
    await this.deps.blobs.delete(key);
  }

  /**
   * Signed download URL for a file whose bytes are confirmed. For a project that reads the
   * asset through a share (`viewer`), the URL names that project and ends no later than the share.
   */
  downloadUrl(file: AssetFile, asset: Asset, viewer?: { projectId: string; until: Date }): string | undefined {
    if (!isReadable(file, asset)) return undefined;
    let expires = Math.floor(this.deps.clock.now().getTime() / 1000) + this.deps.downloadUrlTtlSeconds;
    if (viewer) expires = Math.min(expires, Math.floor(viewer.until.getTime() / 1000));
    const grant = { op: 'download' as const, projectId: file.projectId, fileId: file.fileId, expires, via: viewer?.projectId };
    return `${this.deps.publicEndpoint}${this.deps.urls.path(grant)}`;
  }

  /** Download URL of each asset's cover (else of an image asset's main file), for thumbnails. */
  async coverUrls(principal: Principal, assets: readonly Asset[]): Promise<Map<string, string>> {
    const byId = new Map(assets.map((a) => [a.assetId, a]));
    const files = await this.deps.store.listFiles(principal.projectId, [...byId.keys()]);
    const urls = new Map<string, string>();
    for (const category of ['MAIN', 'COVER'] as const) {
      for (const file of files.filter((f) => f.category === category)) {
        const asset = byId.get(file.assetId);
        const url = asset && this.downloadUrl(file, asset);
        if (url && (category === 'COVER' || /^(png|jpe?g|gif|webp|bmp|svg)$/.test(file.fileType))) urls.set(file.assetId, url);
      }
    }
    return urls;
  }

  /** Checks a download URL and returns the file if it may still be read (through the share still live, for a `via` URL). */
  async authorizeDownload(input: { projectId: string; fileId: string; expires: number; signature: string; via?: string }): Promise<AssetFile> {
    const now = this.deps.clock.now();
    const { signature, ...grant } = input;
    if (!this.deps.urls.verify({ op: 'download', ...grant }, signature, Math.floor(now.getTime() / 1000))) {
      throw new AppError('urlSignatureInvalid');
    }
    const file = await this.deps.store.getFile(input.projectId, input.fileId);
    const asset = file && (await this.deps.store.getAsset(file.projectId, file.assetId));
    if (!file || !asset || !isReadable(file, asset)) {
      throw new AppError('fileNotFound', input.fileId);
    }
    if (input.via !== undefined && !shareExpiryFor(asset.sharedConfig, input.via, now)) {
      throw new AppError('fileNotFound', `${input.fileId}: the asset is no longer shared with project ${input.via}`);
    }
    return file;
  }

  /** The bytes of a file (or an inclusive range of them). */
  async openContent(file: AssetFile, range: { start: number; end: number }): Promise<Readable> {
    return this.deps.blobs.get(file.blobKey, range);
  }

  private async visibleFile(principal: Principal, fileId: string, store: MetadataStore): Promise<AssetFile> {
    const file = await store.getFile(principal.projectId, fileId);
    if (!file) await this.refuseShared(principal, fileId, store);
    if (!file || !fileStateRules[file.state].visible) throw new AppError('fileNotFound', fileId);
    // A file is visible exactly when its asset is (same app-user rule); any other error is no 404.
    await this.deps.assets.get(principal, file.assetId, store).catch((err: unknown) => {
      throw isAppError(err) && err.kind === 'assetNotFound' ? new AppError('fileNotFound', fileId, { cause: err }) : err;
    });
    return file;
  }

  /** A file of an asset shared with the caller is read-only for it: its asset is not the caller's (404 asset not found). */
  private async refuseShared(principal: Principal, fileId: string, store: MetadataStore): Promise<void> {
    const file = await store.findFile(fileId);
    const asset = file && (await store.getAsset(file.projectId, file.assetId));
    if (asset && shareExpiryFor(asset.sharedConfig, principal.projectId, this.deps.clock.now())) {
      throw new AppError('assetNotFound', `${asset.assetId}: it is shared with project ${principal.projectId}, which may only read it`);
    }
  }

  /** The asset of a file change, if its state lets its files change. */
  private async editableAsset(principal: Principal, assetId: string, store: MetadataStore): Promise<Asset> {
    const asset = await this.deps.assets.get(principal, assetId, store);
    if (!assetStateRules[asset.assetState].editable) throw new AppError('assetStateConflict', `asset ${asset.assetId} is ${asset.assetState}`);
    return asset;
  }
}

/** A confirmed file of an asset whose files may be read. */
const isReadable = (file: AssetFile, asset: Asset): boolean => fileStateRules[file.state].downloadable && assetStateRules[asset.assetState].readable;

const suffixOf = (name: string): string | undefined => {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1).toLowerCase() : undefined;
};
