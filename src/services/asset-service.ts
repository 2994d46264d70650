import type { Asset, AssetFile, AssetState } from '../domain/asset.js';
import { newAsset, patchFromChanges, type AssetChanges, type AssetCreateInput } from '../domain/asset-fields.js';
import { assetActions, assetStateRules } from '../domain/asset-states.js';
import type { CopyTask } from '../domain/copy-task.js';
import { AppError } from '../domain/errors.js';
import { fileActions, fileStateRules } from '../domain/file-states.js';
import { allows } from '../domain/state-machine.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { AssetPatch, AssetQuery, MetadataStore } from '../ports/metadata-store.js';
import type { Clock } from '../ports/clock.js';
import { isoTime } from '../domain/time.js';
import type { Principal } from '../domain/principal.js';
import { updateAssetIn } from './conditional-update.js';

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
}

export type ListAssetsInput = Omit<AssetQuery, 'projectId'>;

/** Assets: create, read, change, delete to the recycle bin, restore, purge. */
export class AssetService {
  constructor(
    private readonly deps: { store: MetadataStore; blobs: BlobStore; clock: Clock; recycleRetentionSeconds: number },
  ) {}

  async create(principal: Principal, input: AssetCreateInput): Promise<{ assetId: string; produceId: string }> {
    const owner = { projectId: principal.projectId, appUserId: principal.appUserId ?? null, at: isoTime(this.deps.clock.now()) };
    const asset = newAsset(owner, input);
    await this.deps.store.insertAsset(asset);
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
    return { asset, files: files.filter(isListedFile), copy };
  }

  async list(principal: Principal, input: ListAssetsInput): Promise<{ count: number; items: AssetWithFiles[] }> {
    if (principal.appUserId !== undefined && input.appUserId !== undefined && input.appUserId !== principal.appUserId) {
      return { count: 0, items: [] };
    }
    const { count, assets } = await this.deps.store.listAssets({
      ...input,
      projectId: principal.projectId,
      appUserId: principal.appUserId ?? input.appUserId,
    });
    const ids = assets.map((a) => a.assetId);
    const files = await this.deps.store.listFiles(principal.projectId, ids);
    const copies = await this.deps.store.copyTasks.listTasks(principal.projectId, ids);
    const items = assets.map((asset) => ({
      asset,
      files: files.filter((f) => f.assetId === asset.assetId && isListedFile(f)),
      copy: copies.find((c) => c.assetId === asset.assetId),
    }));
    return { count, items };
  }

  async update(principal: Principal, assetId: string, input: UpdateAssetInput): Promise<AssetWithFiles> {
    await this.deps.store.transaction(async (tx) => {
      const asset = await this.get(principal, assetId, tx);
      if (!assetStateRules[asset.assetState].editable) throw stateConflict(asset);
      const patch: AssetPatch = { ...patchFromChanges(asset, input.changes ?? {}), updatedAt: isoTime(this.deps.clock.now()) };
      if (input.assetState !== undefined && input.assetState !== asset.assetState) {
        if (!allows(assetActions.toggleActive, asset.assetState)) throw stateConflict(asset, 'its main file must be confirmed first');
        patch.assetState = input.assetState;
      }
      await updateAssetIn(tx, asset, patch, [asset.assetState]);
    });
    return this.show(principal, assetId);
  }

  /** To the recycle bin (DELETING, restorable), or for good with `force` (DELETED, files removed). */
  async delete(principal: Principal, assetId: string, force: boolean): Promise<void> {
    const now = isoTime(this.deps.clock.now());
    const removed = await this.deps.store.transaction(async (tx) => {
      const asset = await this.get(principal, assetId, tx);
      // Deleting a copy in progress cancels it: its worker's next write fails.
      await tx.copyTasks.cancel(principal.projectId, assetId, now);
      if (force) {
        await updateAssetIn(tx, asset, { assetState: 'DELETED', deletedAt: now, updatedAt: now }, assetActions.forceDelete.from);
        return this.markFilesDeleted(tx, asset, now);
      }
      // Already in the recycle bin: deleting again is a no-op success.
      if (asset.assetState === 'DELETING') return [];
      if (!allows(assetActions.recycle, asset.assetState)) throw stateConflict(asset);
      await updateAssetIn(tx, asset, { assetState: 'DELETING', stateBeforeDelete: asset.assetState, deletedAt: now, updatedAt: now }, [asset.assetState]);
      return [];
    });
    await this.removeBlobs(removed);
  }

  async restore(principal: Principal, assetId: string): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      const asset = await this.get(principal, assetId, tx);
      if (!allows(assetActions.restore, asset.assetState)) throw stateConflict(asset, 'not in the recycle bin');
      let back: AssetState = asset.stateBeforeDelete ?? 'UNACTIVED';
      const task = await tx.copyTasks.getTask(principal.projectId, assetId);
      // A copy cancelled by the delete cannot resume: it comes back FAILED, to be posted again.
      const cancelledCopy = back === 'CREATING' && task?.state === 'CANCELLED';
      if (cancelledCopy) back = 'FAILED';
      const at = isoTime(this.deps.clock.now());
      await updateAssetIn(
        tx,
        asset,
        {
          assetState: back,
          stateBeforeDelete: null,
          deletedAt: null,
          updatedAt: at,
          ...(cancelledCopy ? { reason: 'the copy was cancelled by a delete; post the replication info again' } : {}),
        },
        [asset.assetState],
      );
      if (cancelledCopy) {
        // Only the files the copy had not finished: the guard picks them.
        for (const f of await tx.listFiles(principal.projectId, [assetId])) {
          await tx.updateFile(f.fileId, { state: 'FAILED', updatedAt: at }, fileActions.copyFailed.from);
        }
      }
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

  private async markFilesDeleted(tx: MetadataStore, asset: Asset, now: string): Promise<string[]> {
    const files = await tx.listFiles(asset.projectId, [asset.assetId]);
    for (const file of files) await tx.updateFile(file.fileId, { state: 'DELETED', updatedAt: now }, fileActions.delete.from);
    // Every key, those of files deleted earlier too: a crash may have left their blobs behind.
    return files.map((f) => f.blobKey);
  }

  /** After the commit: a crash here leaves unreferenced blobs, never a visible half-deleted asset. */
  private async removeBlobs(keys: string[]): Promise<void> {
    for (const key of keys) await this.deps.blobs.delete(key);
  }
}

export const visibleTo = (principal: Principal, asset: Asset): boolean =>
  principal.appUserId === undefined || asset.appUserId === principal.appUserId;

/** Files shown on an asset. */
const isListedFile = (f: AssetFile): boolean => fileStateRules[f.state].listed;

/** 409 naming the state that refused the operation. */
const stateConflict = (asset: Asset, why?: string): AppError =>
  new AppError('assetStateConflict', `asset ${asset.assetId} is ${asset.assetState}${why ? `; ${why}` : ''}`);
