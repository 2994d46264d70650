import type { Asset, AssetFile, AssetState } from '../domain/asset.js';
import { newAsset, patchFromChanges, type AssetChanges, type AssetCreateInput } from '../domain/asset-fields.js';
import { assetActions, assetStateRules } from '../domain/asset-states.js';
import type { CopyTask } from '../domain/copy-task.js';
import { AppError, isAppError } from '../domain/errors.js';
import { fileActions, fileStateRules } from '../domain/file-states.js';
import { allows } from '../domain/state-machine.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { AssetPatch, AssetQuery, MetadataStore, ShareRole } from '../ports/metadata-store.js';
import type { Clock } from '../ports/clock.js';
import { isoTime } from '../domain/time.js';
import type { Principal } from '../domain/principal.js';
import { shareExpiryFor, type SharedConfig, type SharedConfigInput } from '../domain/sharing.js';
import { updateAssetIn } from './conditional-update.js';
import type { QuotaGuard } from './quota-guard.js';
import type { ShareRules } from './sharing.js';
import { refuseIfInTransfer } from './transfers/pending-transfer.js';
import { pastNewEntries } from '../domain/scheduled-operation.js';
import type { ReplicaStatus } from '../domain/replication-rule.js';

export interface UpdateAssetInput {
  /** Field changes (the field table says which fields an update accepts). */
  changes?: AssetChanges;
  /** Activation toggle, once the main file is confirmed. */
  assetState?: 'ACTIVED' | 'UNACTIVED';
}

export interface AssetWithFiles {
  asset: Asset;
  files: AssetFile[];
  /** The copy that made (or is making) this asset, if it came from another region. */
  copy?: CopyTask;
  /** Set when the caller sees another project's asset through a share: when the share ends. */
  sharedUntil?: Date;
  /** Its replicas in other regions under replication rules, as this region knows them. */
  replicas?: ReplicaStatus[];
}

export type ListAssetsInput = Omit<AssetQuery, 'projectId' | 'sharing'> & {
  /** SHARER: only what the caller's project shares; SHAREE: what other projects share with it. */
  role?: ShareRole;
};

/** 409 for a replica that a replication rule of another region feeds: it changes there only. */
export function refuseIfFedReplica(principal: Principal, asset: Asset): void {
  if (asset.origin?.ruleId && !principal.ruleDelivery) {
    throw new AppError('replicaReadOnly', `asset ${asset.assetId} follows asset ${asset.origin.assetId} of ${asset.origin.region}: change it there, or disable rule ${asset.origin.ruleId}`);
  }
}

/** Assets: create, read, change, delete to the recycle bin, restore, purge. */
export class AssetService {
  constructor(
    private readonly deps: { store: MetadataStore; blobs: BlobStore; clock: Clock; recycleRetentionSeconds: number; sharing: ShareRules; quota: QuotaGuard },
  ) {}

  async create(principal: Principal, input: AssetCreateInput): Promise<{ assetId: string; produceId: string }> {
    const sharedConfig = input.sharedConfig && (await this.checkShare(principal, input.sharedConfig));
    this.checkSchedule([], input.autoOperationConfig);
    const owner = { projectId: principal.projectId, appUserId: principal.appUserId ?? null, at: isoTime(this.deps.clock.now()) };
    const asset = newAsset(owner, { ...input, sharedConfig });
    await this.deps.store.transaction(async (tx) => {
      await this.deps.quota.admit(tx, { projectId: principal.projectId, assets: 1 });
      await tx.insertAsset(asset);
    });
    return { assetId: asset.assetId, produceId: asset.produceId };
  }

  /** The asset as this principal may see it; DELETED assets are gone for everyone. */
  async get(principal: Principal, assetId: string, store: MetadataStore = this.deps.store): Promise<Asset> {
    const asset = await store.getAsset(principal.projectId, assetId);
    if (!asset || !assetStateRules[asset.assetState].visible || !visibleTo(principal, asset)) {
      throw new AppError('assetNotFound', assetId);
    }
    return asset;
  }

  async show(principal: Principal, assetId: string): Promise<AssetWithFiles> {
    const asset = await this.get(principal, assetId);
    const files = await this.deps.store.listFiles(principal.projectId, [assetId]);
    const copy = await this.deps.store.copyTasks.getTask(principal.projectId, assetId);
    const replicas = await this.deps.store.rules.listStatus(principal.projectId, [assetId]);
    return { asset, files: files.filter(isListedFile), copy, replicas };
  }

  /** What ShowAsset shows of the caller's project's asset, as a stamp (`MetadataStore.showStamp`). */
  showStamp(principal: Principal, assetId: string): Promise<string | undefined> {
    return this.deps.store.showStamp(principal.projectId, assetId);
  }

  /**
   * ShowAsset: the caller's own asset, else one another project shares with the caller's
   * project through a live share (read only: every other API answers 404 for it).
   */
  async view(principal: Principal, assetId: string): Promise<AssetWithFiles> {
    try {
      return await this.show(principal, assetId);
    } catch (err) {
      if (!(isAppError(err) && err.kind === 'assetNotFound')) throw err;
      const now = this.deps.clock.now();
      const asset = await this.deps.store.findSharedAsset(principal.projectId, assetId, isoTime(now));
      const shared = asset && (await this.sharedView(asset, principal.projectId, now));
      if (!shared) throw err;
      return shared;
    }
  }

  /** Another project's asset with its files, as `viewerProjectId` reads it through the share (if the share grants it at `now`). */
  private async sharedView(asset: Asset, viewerProjectId: string, now: Date): Promise<AssetWithFiles | undefined> {
    const sharedUntil = shareExpiryFor(asset.sharedConfig, viewerProjectId, now);
    if (!sharedUntil) return undefined;
    const files = await this.deps.store.listFiles(asset.projectId, [asset.assetId]);
    return { asset, files: files.filter(isListedFile), sharedUntil };
  }

  async list(principal: Principal, input: ListAssetsInput): Promise<{ count: number; items: AssetWithFiles[] }> {
    const { role, ...filters } = input;
    if (role === 'SHAREE') return this.listShared(principal, filters);
    if (principal.appUserId !== undefined && input.appUserId !== undefined && input.appUserId !== principal.appUserId) {
      return { count: 0, items: [] };
    }
    const { count, assets } = await this.deps.store.listAssets({
      ...filters,
      projectId: principal.projectId,
      appUserId: principal.appUserId ?? input.appUserId,
      sharing: role && { role, now: isoTime(this.deps.clock.now()) },
    });
    const ids = assets.map((a) => a.assetId);
    const files = await this.deps.store.listFiles(principal.projectId, ids);
    const copies = await this.deps.store.copyTasks.listTasks(principal.projectId, ids);
    const replicas = await this.deps.store.rules.listStatus(principal.projectId, ids);
    const items = assets.map((asset) => ({
      asset,
      files: files.filter((f) => f.assetId === asset.assetId && isListedFile(f)),
      copy: copies.find((c) => c.assetId === asset.assetId),
      replicas: replicas.filter((r) => r.assetId === asset.assetId),
    }));
    return { count, items };
  }

  /** `role=SHAREE`: other projects' assets shared with the caller's project (app users do not narrow shares). */
  private async listShared(principal: Principal, filters: Omit<ListAssetsInput, 'role'>): Promise<{ count: number; items: AssetWithFiles[] }> {
    const now = this.deps.clock.now();
    const { count, assets } = await this.deps.store.listAssets({
      ...filters,
      appUserId: undefined,
      projectId: principal.projectId,
      sharing: { role: 'SHAREE', now: isoTime(now) },
    });
    const items: AssetWithFiles[] = [];
    for (const asset of assets) {
      const shared = await this.sharedView(asset, principal.projectId, now);
      if (shared) items.push(shared);
    }
    return { count, items };
  }

  async update(principal: Principal, assetId: string, input: UpdateAssetInput): Promise<AssetWithFiles> {
    const shared = input.changes?.sharedConfig;
    if (shared) input = { ...input, changes: { ...input.changes, sharedConfig: await this.checkShare(principal, shared) } };
    await this.deps.store.transaction(async (tx) => {
      const asset = await this.get(principal, assetId, tx);
      refuseIfFedReplica(principal, asset);
      if (!assetStateRules[asset.assetState].editable) throw stateConflict(asset);
      this.checkSchedule(asset.autoOperationConfig, input.changes?.autoOperationConfig);
      const patch: AssetPatch = { ...patchFromChanges(asset, input.changes ?? {}), updatedAt: isoTime(this.deps.clock.now()) };
      if (input.assetState !== undefined && input.assetState !== asset.assetState) {
        if (!allows(assetActions.toggleActive, asset.assetState)) throw stateConflict(asset, 'its main file must be confirmed first');
        patch.assetState = input.assetState;
      }
      await updateAssetIn(tx, asset, patch, [asset.assetState]);
    });
    return this.show(principal, assetId);
  }

  /** 400 when `next` schedules an operation not already in `current` at a time already past. */
  private checkSchedule(current: unknown, next: unknown): void {
    if (next === undefined) return;
    const [past] = pastNewEntries(current, next, this.deps.clock.now());
    if (past) throw new AppError('invalidParameter', `auto_operation_config: operation_time ${past.runAt} of ${past.operation} is already past`);
  }

  /** A `shared_config` as it would be stored for this owner (400/403 when it may not be). */
  checkShare(owner: Principal, input: SharedConfigInput): Promise<SharedConfig> {
    return this.deps.sharing.normalize(owner, input);
  }

  /** SHARE and UNSHARE: replaces the asset's `shared_config` with what `next` makes of it (already checked). */
  async setShare(principal: Principal, assetId: string, next: (current: unknown) => SharedConfig): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      const asset = await this.get(principal, assetId, tx);
      refuseIfFedReplica(principal, asset);
      if (!assetStateRules[asset.assetState].editable) throw stateConflict(asset);
      await updateAssetIn(tx, asset, { sharedConfig: next(asset.sharedConfig), updatedAt: isoTime(this.deps.clock.now()) }, [asset.assetState]);
    });
  }

  /** To the recycle bin (DELETING, restorable), or for good with `force` (DELETED, files removed). */
  async delete(principal: Principal, assetId: string, force: boolean): Promise<void> {
    const at = this.deps.clock.now();
    const now = isoTime(at);
    const removed = await this.deps.store.transaction(async (tx) => {
      const asset = await this.get(principal, assetId, tx);
      refuseIfFedReplica(principal, asset);
      if (force) {
        // Deleting a copy in progress cancels it: its worker's next write fails.
        await tx.copyTasks.cancel(principal.projectId, assetId, now);
        await updateAssetIn(tx, asset, { assetState: 'DELETED', deletedAt: now, updatedAt: now }, assetActions.forceDelete.from);
        await refuseIfInTransfer(tx, principal.projectId, [assetId], at);
        return this.markFilesDeleted(tx, asset, now);
      }
      // Already in the recycle bin: deleting again is a no-op success.
      if (asset.assetState === 'DELETING') return noBlobs;
      await moveToRecycleBin(tx, asset, at);
      return noBlobs;
    });
    await this.removeBlobs(removed);
  }

  async restore(principal: Principal, assetId: string): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      const asset = await this.get(principal, assetId, tx);
      refuseIfFedReplica(principal, asset);
      if (!allows(assetActions.restore, asset.assetState)) throw stateConflict(asset, 'not in the recycle bin');
      await returnFromHold(tx, asset, asset.stateBeforeDelete ?? 'UNACTIVED', { stateBeforeDelete: null, deletedAt: null }, this.deps.clock.now(), 'delete');
    });
  }

  async summaries(principal: Principal, assetIds: string[]): Promise<Asset[]> {
    const { assets } = await this.deps.store.listAssets({
      projectId: principal.projectId,
      appUserId: principal.appUserId,
      assetIds,
      sortKey: 'create_time',
      sortDir: 'desc',
      offset: 0,
      limit: assetIds.length,
    });
    return assets;
  }

  /** Removes for good what stayed in the recycle bin past the retention. Returns how many. */
  async purgeExpired(limit = 100): Promise<number> {
    const now = this.deps.clock.now();
    const before = isoTime(new Date(now.getTime() - this.deps.recycleRetentionSeconds * 1000));
    const expired = await this.deps.store.listExpiredRecycled(before, limit);
    let purged = 0;
    for (const asset of expired) {
      const at = isoTime(now);
      const removed = await this.deps.store.transaction(async (tx) => {
        // A restore that came first wins: the asset is no longer DELETING and stays.
        const ok = await tx.updateAsset(asset.projectId, asset.assetId, { assetState: 'DELETED', updatedAt: at }, assetActions.purge.from);
        return ok ? this.markFilesDeleted(tx, asset, at) : undefined;
      });
      if (!removed) continue;
      await this.removeBlobs(removed);
      purged += 1;
    }
    return purged;
  }

  private async markFilesDeleted(tx: MetadataStore, asset: Asset, now: string): Promise<RemovedBlobs> {
    const files = await tx.listFiles(asset.projectId, [asset.assetId]);
    const uploads: RemovedBlobs['uploads'] = [];
    for (const file of files) {
      await tx.updateFile(file.fileId, { state: 'DELETED', uploadExpiresAt: null, updatedAt: now }, fileActions.delete.from);
      // A large file's parts not yet assembled go too.
      const upload = await tx.largeUploads.get(file.fileId);
      if (!upload) continue;
      uploads.push({ key: file.blobKey, uploadId: upload.uploadId });
      await tx.largeUploads.remove(file.fileId);
    }
    // Every key, those of files deleted earlier too: a crash may have left their blobs behind.
    return { keys: files.flatMap((f) => (f.thumbnailKey ? [f.blobKey, f.thumbnailKey] : [f.blobKey])), uploads };
  }

  /** After the commit: a crash here leaves unreferenced blobs, never a visible half-deleted asset. */
  private async removeBlobs(removed: RemovedBlobs): Promise<void> {
    for (const key of removed.keys) await this.deps.blobs.delete(key);
    // Best effort: some S3-compatible servers cannot abort (an unfinished upload stays invisible).
    for (const u of removed.uploads) await this.deps.blobs.abortMultipart(u.key, u.uploadId).catch(() => undefined);
  }
}

/** What a delete leaves to remove once committed: blobs, and large files' unassembled parts. */
interface RemovedBlobs {
  keys: string[];
  uploads: { key: string; uploadId: string }[];
}
const noBlobs: RemovedBlobs = { keys: [], uploads: [] };

/**
 * DeleteAsset without mode, and a scheduled DELETE: to the recycle bin, remembering the state
 * to restore; 409 in a pending transfer. A copy in progress is cancelled (its worker's next write fails).
 */
export async function moveToRecycleBin(tx: MetadataStore, asset: Asset, at: Date): Promise<void> {
  if (!allows(assetActions.recycle, asset.assetState)) throw stateConflict(asset);
  const now = isoTime(at);
  await tx.copyTasks.cancel(asset.projectId, asset.assetId, now);
  await updateAssetIn(tx, asset, { assetState: 'DELETING', stateBeforeDelete: asset.assetState, deletedAt: now, updatedAt: now }, [asset.assetState]);
  await refuseIfInTransfer(tx, asset.projectId, [asset.assetId], at);
}

/**
 * Restore (from DELETING) and unblock (from BLOCK): back to the state held before, with
 * `clear` resetting what the hold kept. A copy the hold cancelled cannot resume: the asset
 * comes back FAILED, to be posted again, and so do the files the copy had not finished.
 */
export async function returnFromHold(tx: MetadataStore, asset: Asset, before: AssetState, clear: Omit<AssetPatch, 'updatedAt'>, at: Date, hold: 'delete' | 'block'): Promise<void> {
  const task = await tx.copyTasks.getTask(asset.projectId, asset.assetId);
  const cancelledCopy = before === 'CREATING' && task?.state === 'CANCELLED';
  const now = isoTime(at);
  await updateAssetIn(
    tx,
    asset,
    {
      ...clear,
      assetState: cancelledCopy ? 'FAILED' : before,
      updatedAt: now,
      ...(cancelledCopy ? { reason: `the copy was cancelled by a ${hold}; post the replication info again` } : {}),
    },
    [asset.assetState],
  );
  if (cancelledCopy) {
    // Only the files the copy had not finished: the guard picks them.
    for (const f of await tx.listFiles(asset.projectId, [asset.assetId])) {
      await tx.updateFile(f.fileId, { state: 'FAILED', updatedAt: now }, fileActions.copyFailed.from);
    }
  }
}

export const visibleTo = (principal: Principal, asset: Asset): boolean =>
  principal.appUserId === undefined || asset.appUserId === principal.appUserId;

/** Files shown on an asset. */
const isListedFile = (f: AssetFile): boolean => fileStateRules[f.state].listed;

/** 409 naming the state that refused the operation. */
const stateConflict = (asset: Asset, why?: string): AppError =>
  new AppError('assetStateConflict', `asset ${asset.assetId} is ${asset.assetState}${why ? `; ${why}` : ''}`);
