import { randomBytes } from 'node:crypto';
import { fileBlobKey, type Asset, type AssetFile, type FileCategory } from '../../domain/asset.js';
import { copiedFields, fieldsFromCopy, newAsset } from '../../domain/asset-fields.js';
import { assetActions, assetStateRules, copySourceAssetStates } from '../../domain/asset-states.js';
import { fileStateRules } from '../../domain/file-states.js';
import { allows } from '../../domain/state-machine.js';
import type { CopyTask } from '../../domain/copy-task.js';
import { copyTaskStateRules } from '../../domain/copy-task-states.js';
import { AppError } from '../../domain/errors.js';
import { DuplicateAssetIdError, type FileWriteOptions, type MetadataStore } from '../../ports/metadata-store.js';
import type { BlobStore } from '../../ports/blob-store.js';
import type { AssetService } from '../asset-service.js';
import { chunkHashesOf } from '../chunk-hasher.js';
import type { Clock } from '../../ports/clock.js';
import { isoTime } from '../../domain/time.js';
import type { Principal } from '../../domain/principal.js';
import { updateAssetIn } from '../conditional-update.js';
import { refuseIfInTransfer } from '../transfers/pending-transfer.js';
import type { QuotaGuard } from '../quota-guard.js';
import { CommitGroup } from '../commit-group.js';
import type { CapabilitySigner } from './capability.js';
import type { CopyLeftovers } from './copy-leftovers.js';
import type { KeyRing } from './key-ring.js';
import { CHUNK_SIZE } from '../../domain/chunks.js';
import { MANIFEST_VERSION, parseManifest, type ReplicationManifest } from './manifest.js';
import { openInfo, sealInfo, type OpenFailure, type SealedInfo } from './seal.js';

export interface ReplicationSettings {
  region: string;
  /** Regions copies may come from: name -> public endpoint. */
  peers: Readonly<Record<string, string>>;
  tokenTtlSeconds: number;
  copyWindowSeconds: number;
  maxFileSizeBytes: number;
}

const openFailures: Record<OpenFailure, AppError['kind']> = {
  unknown_key: 'replicationKeyUnknown',
  bad_algorithm: 'replicationInfoInvalid',
  bad_encoding: 'replicationInfoInvalid',
  iv_mismatch: 'replicationInfoInvalid',
  seal_broken: 'replicationInfoInvalid',
  asset_mismatch: 'replicationAssetMismatch',
};

/** Export (region A) and import (region B) of an asset through sealed replication info. */
export class ReplicationService {
  constructor(
    private readonly deps: {
      store: MetadataStore;
      /** Read at export to compute the chunk hashes of files stored before they were kept. */
      blobs: BlobStore;
      assets: AssetService;
      clock: Clock;
      keyRing: KeyRing | undefined;
      capabilities: CapabilitySigner;
      quota: QuotaGuard;
      settings: ReplicationSettings;
      /** Called after an import recorded a task (wakes this instance's worker). */
      onImported?: () => void;
      /** Removes what an ended run stored before an import starts the copy again. */
      leftovers: Pick<CopyLeftovers, 'remove'>;
    },
  ) {
    this.imports = new CommitGroup({ store: deps.store, windowMs: 0 });
  }

  /**
   * Imports started in one turn of the event loop (requests are started several per turn) share
   * one transaction, each in a savepoint: one refused import changes nothing and fails alone.
   */
  private readonly imports: CommitGroup;

  private ring(): KeyRing {
    if (!this.deps.keyRing) throw new AppError('replicationNotConfigured', 'no replication key ring is configured');
    return this.deps.keyRing;
  }

  private nowSeconds(): number {
    return Math.floor(this.deps.clock.now().getTime() / 1000);
  }

  /** ShowAssetReplicationInfo: seals the manifest of an ACTIVED asset. */
  async export(principal: Principal, assetId: string): Promise<SealedInfo & { expire_time: number }> {
    const ring = this.ring();
    const asset = await this.deps.assets.get(principal, assetId);
    if (!allows(assetActions.export, asset.assetState)) {
      throw new AppError('assetStateConflict', `asset ${assetId} is ${asset.assetState}; only an ACTIVED asset can be copied`);
    }
    // A transfer's accept moves the file rows: a copy sealed before it could not finish.
    await refuseIfInTransfer(this.deps.store, principal.projectId, [assetId], this.deps.clock.now());
    const manifest = await this.manifestFor(asset, principal.accountId);
    return { ...sealInfo(ring, assetId, Buffer.from(JSON.stringify(manifest))), expire_time: manifest.exp };
  }

  /** The manifest of an asset as it is now: its copied fields and downloadable files, with a capability per peer. */
  async manifestFor(asset: Asset, accountId: string): Promise<ReplicationManifest> {
    const files = (await this.deps.store.listFiles(asset.projectId, [asset.assetId])).filter((f) => fileStateRules[f.state].downloadable);
    const chunks = await Promise.all(files.map((f) => this.chunkHashes(f)));
    const now = this.nowSeconds();
    const exp = now + this.deps.settings.tokenTtlSeconds;
    const capExp = exp + this.deps.settings.copyWindowSeconds;
    return {
      v: MANIFEST_VERSION,
      chunk_size: CHUNK_SIZE,
      tid: randomBytes(16).toString('hex'),
      exp,
      cap_exp: capExp,
      src: { region: this.deps.settings.region, account: accountId, project: asset.projectId, asset: asset.assetId },
      meta: { ...copiedFields(asset), app_user_id: asset.appUserId },
      files: files.map((f, i) => ({
        id: f.fileId,
        category: f.category,
        name: f.fileName,
        type: f.fileType,
        size: f.fileSize,
        md5: f.md5Hex ?? '',
        sha256: f.sha256Hex ?? '',
        chunks: chunks[i] ?? [],
        caps: Object.fromEntries(
          Object.keys(this.deps.settings.peers).map((peer) => [
            peer,
            this.deps.capabilities.issue({ fileId: f.fileId, sha256: f.sha256Hex ?? '', exp: capExp, targetRegion: peer }),
          ]),
        ),
      })),
    };
  }

  /**
   * A file's chunk hashes: kept since its upload, or (a file stored before they were kept)
   * computed from its blob now and kept from then on.
   */
  private async chunkHashes(file: AssetFile): Promise<string[]> {
    if (file.chunkSha256) return file.chunkSha256;
    const chunks = await chunkHashesOf(await this.deps.blobs.get(file.blobKey));
    await this.deps.store.updateFile(file.fileId, { chunkSha256: chunks, updatedAt: file.updatedAt });
    return chunks;
  }

  /** Opens and checks replication info; every refusal is typed and changes nothing. */
  open(principal: Principal, info: SealedInfo): ReplicationManifest {
    const opened = openInfo(this.ring(), info);
    if (!opened.ok) throw new AppError(openFailures[opened.reason]);
    const manifest = parseManifest(opened.plaintext.toString('utf8'));
    if (!manifest) throw new AppError('replicationInfoInvalid', 'the sealed content has an unknown format');
    if (manifest.src.asset !== info.asset_id) throw new AppError('replicationAssetMismatch');
    if (manifest.exp < this.nowSeconds()) throw new AppError('replicationExpired', `expired at ${isoTime(new Date(manifest.exp * 1000))}`);
    const source = manifest.src.region;
    if (source === this.deps.settings.region || !(source in this.deps.settings.peers)) {
      throw new AppError('replicationSourceNotPeer', `region ${source} is not a peer of ${this.deps.settings.region}`);
    }
    const big = manifest.files.find((f) => f.size > this.deps.settings.maxFileSizeBytes);
    if (big) throw new AppError('replicationFileTooLarge', `file ${big.id} has ${big.size} bytes; this region accepts ${this.deps.settings.maxFileSizeBytes}`);
    if (manifest.src.account !== principal.accountId) throw new AppError('replicationAccountMismatch');
    return manifest;
  }

  /**
   * CreateAssetByReplicationInfo: creates the asset (CREATING) and its copy task in one
   * transaction, or answers the copy that stands (idempotent per project and asset id).
   */
  async import(principal: Principal, info: SealedInfo, requestId: string): Promise<{ assetId: string; assetState: string }> {
    const manifest = this.open(principal, info);
    await this.removeLeftovers(principal.projectId, manifest);
    const key = `${principal.projectId}/${manifest.src.asset}`;
    const result = await onceMoreIfRaced(() => this.imports.run(key, (tx) => this.createOrReuse(tx, principal, manifest, requestId)));
    if (result.assetState === 'CREATING') this.deps.onImported?.();
    return result;
  }

  /**
   * A failed or cancelled run of this copy that the sweeper has not reached yet: its uploads are
   * aborted and its blobs removed first, while its rows still name them (the restart forgets them).
   */
  private async removeLeftovers(projectId: string, m: ReplicationManifest): Promise<void> {
    const task = await this.deps.store.copyTasks.getTask(projectId, m.src.asset);
    if (!task || task.sweptAt || !copyTaskStateRules[task.state].leavesLeftovers) return;
    if (task.sourceRegion !== m.src.region || task.sourceAssetId !== m.src.asset) return;
    await this.deps.leftovers.remove(task);
  }

  /** The asset of a copy and its task, created, restarted (after FAILED) or found as it stands (in the caller's transaction). */
  async createOrReuse(tx: MetadataStore, principal: Principal, m: ReplicationManifest, requestId: string): Promise<{ assetId: string; assetState: string }> {
    const assetId = m.src.asset;
    const existing = await tx.getAsset(principal.projectId, assetId);
    const task = existing && (await tx.copyTasks.getTask(principal.projectId, assetId));
    const now = this.deps.clock.now();
    if (existing && assetStateRules[existing.assetState].visible) {
      const isThisCopy = task !== undefined && task.sourceRegion === m.src.region && task.sourceAssetId === assetId;
      if (!isThisCopy) throw new AppError('replicationAssetConflict', `asset ${assetId} exists in this project and is not a copy of it`);
      if (allows(assetActions.restore, existing.assetState)) throw new AppError('replicationAssetInRecycleBin');
      if (!allows(assetActions.copyRestarted, existing.assetState)) return { assetId, assetState: existing.assetState };
      // A failed or cancelled copy starts again with this token.
      await tx.copyTasks.restartTask(this.newTask(principal, m, now, requestId));
      const restarted = { assetState: 'CREATING', reason: null, failType: null, updatedAt: isoTime(now) } as const;
      await updateAssetIn(tx, existing, restarted, [existing.assetState]);
      await this.resetFiles(tx, principal, m, now);
      return { assetId, assetState: restarted.assetState };
    }
    if (existing) await tx.removeDeletedAsset(principal.projectId, assetId);
    await this.deps.quota.admit(tx, { projectId: principal.projectId, assets: 1 });
    const owner = { projectId: principal.projectId, assetId, appUserId: principal.appUserId ?? m.meta.app_user_id, at: isoTime(now) };
    await tx.insertAsset(newAsset(owner, fieldsFromCopy(m.meta)));
    // A new asset has no files to remove, and its row was written in this transaction.
    await this.insertCopyFiles(tx, principal, m, m.files, now, { assetTouched: true });
    // The task of a force-deleted copy is restarted, never deleted and re-inserted: its epoch
    // keeps growing, so a worker still running the old copy cannot write to the new one.
    if (task) await tx.copyTasks.restartTask(this.newTask(principal, m, now, requestId));
    else await tx.copyTasks.insertTask(this.newTask(principal, m, now, requestId));
    return { assetId, assetState: 'CREATING' };
  }

  /** The copy's file rows: CREATING, digests from the manifest, blob keys of this run. */
  async resetFiles(tx: MetadataStore, principal: Principal, m: ReplicationManifest, now: Date): Promise<void> {
    for (const old of await tx.listFiles(principal.projectId, [m.src.asset])) await tx.deleteFile(old.fileId);
    await this.insertCopyFiles(tx, principal, m, m.files, now);
  }

  /** File rows for `files` of the manifest, CREATING until the copy verifies them (quota checked first). */
  async insertCopyFiles(
    tx: MetadataStore,
    principal: Principal,
    m: ReplicationManifest,
    files: ReplicationManifest['files'],
    now: Date,
    options: FileWriteOptions = {},
  ): Promise<void> {
    await this.deps.quota.admit(tx, { projectId: principal.projectId, files: { assetId: m.src.asset, count: files.length, uploadBytes: 0 } });
    for (const f of files) {
      const file: AssetFile = {
        fileId: f.id,
        projectId: principal.projectId,
        assetId: m.src.asset,
        fileName: f.name,
        fileSize: f.size,
        fileType: f.type,
        category: f.category as FileCategory,
        state: 'CREATING',
        declaredMd5: Buffer.from(f.md5, 'hex').toString('base64'),
        md5Hex: f.md5,
        sha256Hex: f.sha256,
        // Kept so this region can be a copy's source in turn (a v1 manifest has none).
        chunkSha256: f.chunks ?? null,
        etag: `"${f.sha256}"`,
        blobKey: copyBlobKey(principal.projectId, f.id, m.tid),
        thumbnailKey: null,
        fileExtraMeta: {},
        uploadExpiresAt: null,
        createdAt: isoTime(now),
        updatedAt: isoTime(now),
      };
      await tx.insertFile(file, options);
    }
  }

  newTask(principal: Principal, m: ReplicationManifest, now: Date, requestId: string): CopyTask {
    const region = this.deps.settings.region;
    return {
      projectId: principal.projectId,
      assetId: m.src.asset,
      sourceRegion: m.src.region,
      sourceProjectId: m.src.project,
      sourceAssetId: m.src.asset,
      tokenId: m.tid,
      files: m.files.map(({ caps, ...f }) => ({ ...f, cap: caps[region] ?? '' })),
      state: 'CREATING',
      epoch: 0,
      leaseOwner: null,
      leaseExpiresAt: null,
      nextRunAt: isoTime(now),
      attempts: 0,
      lastError: null,
      failureCode: null,
      filesDone: 0,
      bytesDone: 0,
      bytesTotal: m.files.reduce((sum, f) => sum + f.size, 0),
      deadline: isoTime(new Date(m.cap_exp * 1000)),
      requestId,
      startedAt: isoTime(now),
      finishedAt: null,
    };
  }

  /** Region A, at every peer download: the capability, the file, and the asset still readable. */
  async authorizePeerDownload(input: { projectId: string; fileId: string; capability: string | undefined; targetRegion: string | undefined }): Promise<AssetFile> {
    if (!input.capability || !input.targetRegion) {
      throw new AppError('capabilityRefused', 'send the capability in X-Replication-Capability and the target region in X-Replication-Region');
    }
    const file = await this.deps.store.getFile(input.projectId, input.fileId);
    if (!file || !fileStateRules[file.state].downloadable || !file.sha256Hex) throw new AppError('fileNotFound', input.fileId);
    const verdict = this.deps.capabilities.verify(input.capability, { fileId: file.fileId, sha256: file.sha256Hex, targetRegion: input.targetRegion }, this.nowSeconds());
    if (verdict === 'expired') throw new AppError('capabilityRefused', 'capability expired');
    if (verdict !== 'ok') throw new AppError('capabilityRefused', 'capability invalid for this file');
    const asset = await this.deps.store.getAsset(file.projectId, file.assetId);
    if (!asset || !copySourceAssetStates.includes(asset.assetState)) throw new AppError('capabilityRefused', 'the source asset is no longer available');
    return file;
  }
}

/** Runs `attempt` once more if it lost a race on the asset's primary key: the second run sees the winner's asset. */
export async function onceMoreIfRaced<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (err) {
    if (!(err instanceof DuplicateAssetIdError)) throw err;
    return attempt();
  }
}

/** A copy run's key for a file: stable per token, so a resumed run writes the same key. */
export const copyBlobKey = (projectId: string, fileId: string, tokenId: string): string => fileBlobKey(projectId, fileId, `c${tokenId}`);
