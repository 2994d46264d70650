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
import type { FilePatch, MetadataStore } from '../ports/metadata-store.js';
import { refuseIfFedReplica, type AssetService } from './asset-service.js';
import type { Clock } from '../ports/clock.js';
import { isoTime } from '../domain/time.js';
import { updateAssetIn, updateFileIn } from './conditional-update.js';
import { HashingVerifier } from './hashing-verifier.js';
import type { Principal } from '../domain/principal.js';
import { shareExpiryFor } from '../domain/sharing.js';
import type { QuotaGuard } from './quota-guard.js';
import type { UrlSigner } from './signed-url.js';
import { maxPartSize, partRange, planParts } from '../domain/large-file.js';
import type { LargeUpload } from '../ports/large-upload-store.js';
import type { Digests } from './hashing-verifier.js';
import { SizeGuard } from './size-guard.js';

export interface CreateFileInput {
  assetId: string;
  fileName: string;
  fileMd5: string;
  fileSize: number;
  fileType?: string;
  category?: FileCategory;
}

export interface CreateLargeFileInput {
  assetId: string;
  fileName: string;
  /** Required when there are several parts. */
  fileSize?: number;
  fileType?: string;
  category?: FileCategory;
  /** Default 1. */
  partCount?: number;
}

/** How an assembly ended: the digests of the whole, or why it failed. */
export type AssemblyOutcome = { digests: Digests } | { failure: string };

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
      quota: QuotaGuard;
      urls: UrlSigner;
      /** This region's public base URL: signed URLs start with it. */
      publicEndpoint: string;
      uploadUrlTtlSeconds: number;
      downloadUrlTtlSeconds: number;
      maxFileSizeBytes: number;
      /** Largest file CreateLargeFile accepts. */
      maxLargeFileSizeBytes: number;
      /** Called once a large file is confirmed: it is due for assembly. */
      onAssemblyDue?: () => void;
      /** Called after the commit that confirms a MAIN file CREATED (media metadata starts there). */
      onMainConfirmed?: (file: AssetFile) => void;
    },
  ) {}

  async create(principal: Principal, input: CreateFileInput): Promise<{ fileId: string; uploadUrl: string }> {
    if (input.fileSize > this.deps.maxFileSizeBytes) {
      throw new AppError('fileTooLarge', `file_size ${input.fileSize} exceeds this region's limit of ${this.deps.maxFileSizeBytes} bytes`);
    }
    const fileId = newId();
    const { expires } = await this.declare(principal, input, { fileId, blobKey: blobKeyFor(principal.projectId, fileId, newId()), size: input.fileSize, md5: input.fileMd5 });
    const path = this.deps.urls.path({ op: 'upload', projectId: principal.projectId, fileId, expires });
    return { fileId, uploadUrl: `${this.deps.publicEndpoint}${path}` };
  }

  /** CreateLargeFile: a file sent in parts, each to its own signed URL, joined by a worker once confirmed. */
  async createLarge(principal: Principal, input: CreateLargeFileInput): Promise<{ fileId: string; uploadUrls: string[] }> {
    if (input.fileSize !== undefined && input.fileSize > this.deps.maxLargeFileSizeBytes) {
      throw new AppError('fileTooLarge', `file_size ${input.fileSize} exceeds this region's limit of ${this.deps.maxLargeFileSizeBytes} bytes`);
    }
    const plan = planParts(input.fileSize, input.partCount ?? 1);
    if ('refused' in plan) throw new AppError('invalidParameter', plan.refused);
    const fileId = newId();
    const blobKey = blobKeyFor(principal.projectId, fileId, newId());
    const uploadId = await this.deps.blobs.beginMultipart(blobKey);
    let expires: number;
    try {
      ({ expires } = await this.declare(principal, input, { fileId, blobKey, size: plan.fileSize ?? 0, md5: null }, async (tx, now) => {
        const upload: LargeUpload = { ...plan, fileId, projectId: principal.projectId, uploadId, state: 'RECEIVING', attempts: 0, lastError: null };
        await tx.largeUploads.insert(upload, now);
      }));
    } catch (err) {
      await this.deps.blobs.abortMultipart(blobKey, uploadId).catch(() => undefined);
      throw err;
    }
    const uploadUrls = Array.from({ length: plan.partCount }, (_, i) => {
      const path = this.deps.urls.path({ op: 'upload', projectId: principal.projectId, fileId, expires, part: i + 1 });
      return `${this.deps.publicEndpoint}${path}`;
    });
    return { fileId, uploadUrls };
  }

  /** Inserts a CREATING file (and what `also` adds in the same transaction); returns when its upload URLs expire. */
  private async declare(
    principal: Principal,
    input: { assetId: string; fileName: string; fileType?: string; category?: FileCategory },
    bytes: { fileId: string; blobKey: string; size: number; md5: string | null },
    also?: (tx: MetadataStore, now: string) => Promise<void>,
  ): Promise<{ expires: number }> {
    const fileType = input.fileType ?? suffixOf(input.fileName);
    if (!fileType) throw new AppError('fileTypeEmpty', 'file_type is missing and file_name has no suffix');
    const category = input.category ?? 'OTHER';
    const now = this.deps.clock.now();
    const expires = Math.floor(now.getTime() / 1000) + this.deps.uploadUrlTtlSeconds;
    await this.deps.store.transaction(async (tx) => {
      const asset = await this.editableAsset(principal, input.assetId, tx);
      const single = singleCategories[category];
      if (single) {
        const files = await tx.listFiles(principal.projectId, [asset.assetId]);
        if (files.some((f) => f.category === category && fileStateRules[f.state].holdsSlot)) throw new AppError(single);
      }
      await this.deps.quota.admit(tx, { projectId: principal.projectId, files: { assetId: asset.assetId, count: 1, uploadBytes: bytes.size } });
      const file: AssetFile = {
        fileId: bytes.fileId,
        projectId: principal.projectId,
        assetId: asset.assetId,
        fileName: input.fileName,
        fileSize: bytes.size,
        fileType,
        category,
        state: 'CREATING',
        declaredMd5: bytes.md5,
        md5Hex: null,
        sha256Hex: null,
        etag: null,
        blobKey: bytes.blobKey,
        thumbnailKey: null,
        fileExtraMeta: {},
        uploadExpiresAt: isoTime(new Date(expires * 1000)),
        createdAt: isoTime(now),
        updatedAt: isoTime(now),
      };
      await tx.insertFile(file);
      await also?.(tx, isoTime(now));
    });
    return { expires };
  }

  /**
   * Receives one part of a large file through its signed URL, streamed to the store at its
   * place. Until it is recorded whole, the part counts as missing (a crash, a wrong size, or
   * an aborted send leave it missing; it may be sent again).
   */
  async uploadPart(input: {
    projectId: string;
    fileId: string;
    part: number;
    expires: number;
    signature: string;
    contentLength?: number;
    body: Readable;
  }): Promise<void> {
    const now = this.deps.clock.now();
    const grant = { op: 'upload' as const, projectId: input.projectId, fileId: input.fileId, expires: input.expires, part: input.part };
    if (!this.deps.urls.verify(grant, input.signature, Math.floor(now.getTime() / 1000))) {
      throw new AppError('urlSignatureInvalid');
    }
    const attempt = newId();
    const { upload, file, offset, size } = await this.deps.store.transaction(async (tx) => {
      const upload = await tx.largeUploads.lock(input.fileId);
      const file = await tx.getFile(input.projectId, input.fileId);
      if (!upload || !file || upload.state !== 'RECEIVING' || !allows(fileActions.confirmLarge, file.state)) {
        throw new AppError('urlSignatureInvalid', 'the file no longer accepts parts');
      }
      const range = partRange(upload, input.part);
      const size = range.size ?? input.contentLength;
      if (size === undefined) throw new AppError('invalidParameter', 'Content-Length is required: the file was declared without file_size');
      if (range.size === undefined && size > Math.min(maxPartSize, this.deps.maxLargeFileSizeBytes)) {
        throw new AppError('fileTooLarge', `Content-Length ${size} exceeds the limit of ${Math.min(maxPartSize, this.deps.maxLargeFileSizeBytes)} bytes for a file sent in one part`);
      }
      if (input.contentLength !== undefined && input.contentLength !== size) {
        throw new AppError('contentSizeMismatch', `part ${input.part} is ${size} bytes, Content-Length says ${input.contentLength}`);
      }
      await tx.largeUploads.startPart(input.fileId, input.part, attempt);
      return { upload, file, offset: range.offset, size };
    });
    const guard = new SizeGuard(size, `part ${input.part}`);
    const stored = this.deps.blobs.putPart(file.blobKey, upload.uploadId, { number: input.part, offset, size }, guard);
    const [piped, put] = await Promise.allSettled([pipeline(input.body, guard), stored]);
    if (piped.status === 'rejected') throw piped.reason;
    if (put.status === 'rejected') throw put.reason;
    if (!(await this.deps.store.largeUploads.finishPart(input.fileId, input.part, attempt, { size, etag: put.value.etag }))) {
      throw new AppError('fileStateConflict', `part ${input.part} was sent again meanwhile: the later send counts`);
    }
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

  /**
   * ConfirmFileUpload: CREATED (bytes must be there), FAILED or CANCELLED. A large file with
   * every part received turns UPLOADED at once, and a worker assembles it.
   */
  async confirm(principal: Principal, fileId: string, state: 'CREATED' | 'FAILED' | 'CANCELLED'): Promise<void> {
    const now = isoTime(this.deps.clock.now());
    const after = await this.deps.store.transaction(async (tx): Promise<{ drop?: string; abort?: LargeUpload; assemble?: true; confirmed?: AssetFile }> => {
      // Taken first: no part starts while the parts are counted.
      const large = await tx.largeUploads.lock(fileId);
      const file = await this.visibleFile(principal, fileId, tx);
      const asset = await this.deps.assets.get(principal, file.assetId, tx);
      refuseIfFedReplica(principal, asset);
      if (file.state === state) return {};
      if (large?.state === 'ASSEMBLING') {
        if (state === 'CREATED') return {};
        throw new AppError('fileStateConflict', `file ${fileId} is being assembled`);
      }
      if (large && state === 'CREATED') {
        const size = await receivedSize(tx, large);
        await updateFileIn(tx, file, { state: 'UPLOADED', fileSize: size, uploadExpiresAt: null, updatedAt: now }, fileActions.confirmLarge.from);
        await tx.largeUploads.markAssembling(fileId, now);
        return { assemble: true };
      }
      if (!allows(confirmActions[state], file.state)) {
        // Confirming CREATED before the bytes arrived is its own error: the client uploads first.
        if (state === 'CREATED' && allows(fileActions.upload, file.state)) throw new AppError('fileNotUploaded', `file ${fileId} has no uploaded bytes`);
        throw new AppError('fileStateConflict', `file ${fileId} is ${file.state}`);
      }
      await this.settle(tx, file, asset, state, { uploadExpiresAt: null, updatedAt: now }, state === 'FAILED' ? 'main file upload failed' : null);
      if (large) await tx.largeUploads.remove(fileId);
      return { drop: state === 'CANCELLED' ? file.blobKey : undefined, abort: large, confirmed: state === 'CREATED' && file.category === 'MAIN' ? file : undefined };
    });
    if (after.assemble) this.deps.onAssemblyDue?.();
    if (after.drop) await this.deps.blobs.delete(after.drop);
    if (after.abort) await this.abortParts(after.abort, fileId);
    if (after.confirmed) this.deps.onMainConfirmed?.(after.confirmed);
  }

  /**
   * Ends a large file's assembly: CREATED with its digests, or FAILED with the reason (its
   * asset follows as for any MAIN file). False when the file left UPLOADED meanwhile
   * (cancelled or deleted): the caller drops the assembled bytes.
   */
  async finishAssembly(fileId: string, outcome: AssemblyOutcome): Promise<boolean> {
    const now = isoTime(this.deps.clock.now());
    let confirmed: AssetFile | undefined;
    const finished = await this.deps.store.transaction(async (tx) => {
      const file = await tx.findFile(fileId);
      await tx.largeUploads.remove(fileId);
      if (!file || !allows(fileActions.assembled, file.state)) return false;
      const asset = await tx.getAsset(file.projectId, file.assetId);
      if (!asset) return false;
      if ('failure' in outcome) {
        await this.settle(tx, file, asset, 'FAILED', { reason: outcome.failure, updatedAt: now }, `main file assembly failed: ${outcome.failure}`);
      } else {
        const d = outcome.digests;
        await this.settle(tx, file, asset, 'CREATED', { fileSize: d.size, md5Hex: d.md5Hex, sha256Hex: d.sha256Hex, chunkSha256: d.chunkSha256, etag: `"${d.sha256Hex}"`, updatedAt: now }, null);
        if (file.category === 'MAIN') confirmed = { ...file, fileSize: d.size, state: 'CREATED' };
      }
      return true;
    });
    if (confirmed) this.deps.onMainConfirmed?.(confirmed);
    return finished;
  }

  /** A file's confirmed state, and its asset's when it is the MAIN file. */
  private async settle(tx: MetadataStore, file: AssetFile, asset: Asset, state: 'CREATED' | 'FAILED' | 'CANCELLED', patch: FilePatch, reason: string | null): Promise<void> {
    await updateFileIn(tx, file, { ...patch, state }, [file.state]);
    if (file.category === 'MAIN' && allows(assetActions.confirmMain, asset.assetState)) {
      await updateAssetIn(tx, asset, { assetState: assetStateAfterMainConfirm[state], reason, updatedAt: patch.updatedAt }, [asset.assetState]);
    }
  }

  /** Drops the parts of a large upload that will never be assembled (best effort). */
  private async abortParts(upload: LargeUpload, fileId: string): Promise<void> {
    const file = await this.deps.store.findFile(fileId);
    if (file) await this.deps.blobs.abortMultipart(file.blobKey, upload.uploadId).catch(() => undefined);
  }

  /**
   * The sweeper's step for uploads never confirmed: each file whose upload URL expired turns
   * FAILED with the reason `upload expired` and its uploaded bytes are removed; an expired MAIN
   * file fails its waiting asset as a confirmed failure would; a large file's received parts are
   * dropped with its upload. Returns how many files failed.
   */
  async purgeExpiredUploads(limit = 100): Promise<number> {
    const at = isoTime(this.deps.clock.now());
    let purged = 0;
    for (const file of await this.deps.store.listExpiredUploads(at, limit)) {
      const purge = await this.deps.store.transaction(async (tx) => {
        // A large file's parts: the same lock as a part's start and the confirm.
        const large = await tx.largeUploads.lock(file.fileId);
        const patch = { state: 'FAILED', reason: uploadExpiredReason, uploadExpiresAt: null, updatedAt: at } as const;
        // Confirmed or deleted meanwhile: nothing to do.
        if (!(await tx.updateFile(file.fileId, patch, fileActions.uploadExpired.from))) return undefined;
        const asset = await tx.getAsset(file.projectId, file.assetId);
        if (file.category === 'MAIN' && asset && allows(assetActions.confirmMain, asset.assetState)) {
          const failed = { assetState: assetStateAfterMainConfirm.FAILED, reason: `main file ${uploadExpiredReason}`, updatedAt: at };
          await tx.updateAsset(asset.projectId, asset.assetId, failed, [asset.assetState]);
        }
        if (large) await tx.largeUploads.remove(file.fileId);
        // Read after the write: an upload that finished just before it left its own key.
        return { key: (await tx.getFile(file.projectId, file.fileId))?.blobKey ?? file.blobKey, large };
      });
      if (purge === undefined) continue;
      // After the commit: a crash here leaves unreferenced bytes (the staging sweep's), never a failed file with bytes.
      await this.deps.blobs.delete(purge.key);
      // Best effort, as at every other drop of parts: the row is gone, and on S3 a lifecycle rule removes what an abort could not.
      if (purge.large) await this.deps.blobs.abortMultipart(purge.key, purge.large.uploadId).catch(() => undefined);
      purged += 1;
    }
    return purged;
  }

  async delete(principal: Principal, fileId: string): Promise<void> {
    const now = isoTime(this.deps.clock.now());
    const { key, large, thumbnail } = await this.deps.store.transaction(async (tx) => {
      const large = await tx.largeUploads.lock(fileId);
      const file = await this.visibleFile(principal, fileId, tx);
      await this.editableAsset(principal, file.assetId, tx);
      await updateFileIn(tx, file, { state: 'DELETED', uploadExpiresAt: null, updatedAt: now }, fileActions.delete.from);
      if (large) await tx.largeUploads.remove(fileId);
      return { key: file.blobKey, large, thumbnail: file.thumbnailKey };
    });
    await this.deps.blobs.delete(key);
    if (thumbnail) await this.deps.blobs.delete(thumbnail);
    if (large) await this.deps.blobs.abortMultipart(key, large.uploadId).catch(() => undefined);
  }

  /**
   * Signed download URL for a file whose bytes are confirmed. For a project that reads the
   * asset through a share (`viewer`), the URL names that project and ends no later than the share.
   */
  downloadUrl(file: AssetFile, asset: Asset, viewer?: { projectId: string; until: Date }, op: 'download' | 'thumbnail' = 'download'): string | undefined {
    if (!isReadable(file, asset) || (op === 'thumbnail' && !file.thumbnailKey)) return undefined;
    let expires = Math.floor(this.deps.clock.now().getTime() / 1000) + this.deps.downloadUrlTtlSeconds;
    if (viewer) expires = Math.min(expires, Math.floor(viewer.until.getTime() / 1000));
    const grant = { op, projectId: file.projectId, fileId: file.fileId, expires, via: viewer?.projectId };
    return `${this.deps.publicEndpoint}${this.deps.urls.path(grant)}`;
  }

  /**
   * For ListAssetSummary, by asset id: `cover` is the download URL of the COVER file, else of
   * an image asset's MAIN file; `thumbnail` is the URL of the thumbnail made from an image's
   * MAIN file, else the cover.
   */
  async coverUrls(principal: Principal, assets: readonly Asset[]): Promise<Map<string, { cover?: string; thumbnail?: string }>> {
    const byId = new Map(assets.map((a) => [a.assetId, a]));
    const files = await this.deps.store.listFiles(principal.projectId, [...byId.keys()]);
    // The files each URL comes from are picked first; only the URLs answered are signed, each once.
    const picked = new Map<string, { asset: Asset; cover?: AssetFile; main?: AssetFile }>();
    for (const file of files) {
      const asset = byId.get(file.assetId);
      if (!asset || (file.category !== 'MAIN' && file.category !== 'COVER') || !isReadable(file, asset)) continue;
      const entry = picked.get(file.assetId) ?? { asset };
      if (file.category === 'COVER') entry.cover = file;
      else entry.main = file;
      picked.set(file.assetId, entry);
    }
    const urls = new Map<string, { cover?: string; thumbnail?: string }>();
    for (const [assetId, { asset, cover, main }] of picked) {
      const coverFile = cover ?? (main && imageFileTypes.test(main.fileType) ? main : undefined);
      const coverUrl = coverFile && this.downloadUrl(coverFile, asset);
      const thumbnail = main?.thumbnailKey ? this.downloadUrl(main, asset, undefined, 'thumbnail') : undefined;
      urls.set(assetId, { cover: coverUrl, thumbnail: thumbnail ?? coverUrl });
    }
    return urls;
  }

  /**
   * Checks a download (or thumbnail) URL and returns the file if it may still be read
   * (through the share still live, for a `via` URL).
   */
  async authorizeDownload(
    input: { projectId: string; fileId: string; expires: number; signature: string; via?: string },
    op: 'download' | 'thumbnail' = 'download',
  ): Promise<AssetFile> {
    const now = this.deps.clock.now();
    const { signature, ...grant } = input;
    if (!this.deps.urls.verify({ op, ...grant }, signature, Math.floor(now.getTime() / 1000))) {
      throw new AppError('urlSignatureInvalid');
    }
    const file = await this.deps.store.getFile(input.projectId, input.fileId);
    const asset = file && (await this.deps.store.getAsset(file.projectId, file.assetId));
    if (!file || !asset || !isReadable(file, asset) || (op === 'thumbnail' && !file.thumbnailKey)) {
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

  /** The thumbnail (JPEG) made from a MAIN image file. */
  async openThumbnail(file: AssetFile): Promise<Readable> {
    if (!file.thumbnailKey) throw new AppError('fileNotFound', file.fileId);
    return this.deps.blobs.get(file.thumbnailKey);
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
    refuseIfFedReplica(principal, asset);
    if (!assetStateRules[asset.assetState].editable) throw new AppError('assetStateConflict', `asset ${asset.assetId} is ${asset.assetState}`);
    return asset;
  }
}

/** The reason a file whose upload URL expired unconfirmed is FAILED. */
export const uploadExpiredReason = 'upload expired';

/** The bytes of a large file's parts, all received (else 409), matching `file_size` when declared (else 400). */
async function receivedSize(tx: MetadataStore, upload: LargeUpload): Promise<number> {
  const parts = await tx.largeUploads.receivedParts(upload.fileId);
  const have = new Set(parts.map((p) => p.number));
  const missing = Array.from({ length: upload.partCount }, (_, i) => i + 1).filter((n) => !have.has(n));
  if (missing.length > 0) throw new AppError('fileNotUploaded', `file ${upload.fileId}: part${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not received (missing, or still being sent)`);
  const size = parts.reduce((sum, p) => sum + p.size, 0);
  if (upload.fileSize !== undefined && size !== upload.fileSize) {
    throw new AppError('contentSizeMismatch', `file ${upload.fileId}: the parts hold ${size} bytes, file_size is ${upload.fileSize}`);
  }
  return size;
}

/** File types a MAIN file is shown as the cover for, when the asset has no COVER file. */
const imageFileTypes = /^(png|jpe?g|gif|webp|bmp|svg)$/;

/** A confirmed file of an asset whose files may be read. */
const isReadable = (file: AssetFile, asset: Asset): boolean => fileStateRules[file.state].downloadable && assetStateRules[asset.assetState].readable;

const suffixOf = (name: string): string | undefined => {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1).toLowerCase() : undefined;
};
