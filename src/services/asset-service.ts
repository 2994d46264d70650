import type { Asset, AssetFile, AssetState, AssetType, SystemProperty } from '../domain/asset.js';
import { deletableStates, liveStates } from '../domain/asset.js';
import type { CopyTask } from '../domain/copy-task.js';
import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { AssetPatch, AssetQuery, MetadataStore } from '../ports/metadata-store.js';
import type { Clock } from '../ports/clock.js';
import { isoTime } from '../domain/time.js';
import type { Principal } from '../domain/principal.js';

export interface CreateAssetInput {
  assetName: string;
  assetType: AssetType;
  assetDescription?: string;
  tags?: string[];
  assetExtraMeta?: Record<string, unknown>;
  systemProperties?: SystemProperty[];
  assetOrder?: number;
  supportedService?: string[];
  autoOperationConfig?: unknown[];
  reviewConfig?: Record<string, unknown>;
  sharedConfig?: Record<string, unknown>;
}

export interface UpdateAssetInput {
  assetName?: string;
  assetDescription?: string;
  assetType?: AssetType;
  assetState?: 'ACTIVED' | 'UNACTIVED';
  tags?: string[];
  assetExtraMeta?: Record<string, unknown>;
  /** With `action` ADD (default) or DELETE per property. */
  systemProperties?: (SystemProperty & { action?: 'ADD' | 'DELETE' })[];
  assetOrder?: number;
  supportedService?: string[];
  autoOperationConfig?: unknown[];
  reviewConfig?: Record<string, unknown>;
  sharedConfig?: Record<string, unknown>;
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

  async create(principal: Principal, input: CreateAssetInput): Promise<{ assetId: string; produceId: string }> {
    const now = isoTime(this.deps.clock.now());
    const asset: Asset = {
      projectId: principal.projectId,
      assetId: newId(),
      produceId: newId(),
      assetName: input.assetName,
      assetDescription: input.assetDescription ?? null,
      appUserId: principal.appUserId ?? null,
      assetType: input.assetType,
      assetState: 'CREATING',
      stateBeforeDelete: null,
      failType: null,
      blockReasonCode: null,
      reason: null,
      tags: input.tags ?? [],
      assetExtraMeta: input.assetExtraMeta ?? {},
      systemProperties: input.systemProperties ?? [],
      assetOrder: input.assetOrder ?? null,
      supportedService: input.supportedService ?? [],
      autoOperationConfig: input.autoOperationConfig ?? [],
      reviewConfig: input.reviewConfig ?? null,
      sharedConfig: input.sharedConfig ?? null,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    };
    await this.deps.store.insertAsset(asset);
    return { assetId: asset.assetId, produceId: asset.produceId };
  }

  /** The asset as this principal may see it; DELETED assets are gone for everyone. */
  async get(principal: Principal, assetId: string, store: MetadataStore = this.deps.store): Promise<Asset> {
    const asset = await store.getAsset(principal.projectId, assetId);
    if (!asset || asset.assetState === 'DELETED' || !visibleTo(principal, asset)) {
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
      if (!liveStates.includes(asset.assetState)) {
        throw new AppError('assetStateConflict', `asset ${assetId} is ${asset.assetState}`);
      }
      if (input.assetState !== undefined && input.assetState !== asset.assetState) {
        // Activation toggles only once the main file is there (api.md: UNACTIVED <-> ACTIVED).
        if (asset.assetState !== 'ACTIVED' && asset.assetState !== 'UNACTIVED') {
          throw new AppError('assetStateConflict', `asset ${assetId} is ${asset.assetState}; its main file must be confirmed first`);
        }
      }
      const patch: AssetPatch = { updatedAt: isoTime(this.deps.clock.now()) };
      if (input.assetName !== undefined) patch.assetName = input.assetName;
      if (input.assetDescription !== undefined) patch.assetDescription = input.assetDescription;
      if (input.assetType !== undefined) patch.assetType = input.assetType;
      if (input.assetState !== undefined) patch.assetState = input.assetState;
      if (input.tags !== undefined) patch.tags = input.tags;
      if (input.assetExtraMeta !== undefined) patch.assetExtraMeta = input.assetExtraMeta;
      if (input.systemProperties !== undefined) patch.systemProperties = applyPropertyActions(asset.systemProperties, input.systemProperties);
      if (input.assetOrder !== undefined) patch.assetOrder = input.assetOrder;
      if (input.supportedService !== undefined) patch.supportedService = input.supportedService;
      if (input.autoOperationConfig !== undefined) patch.autoOperationConfig = input.autoOperationConfig;
      if (input.reviewConfig !== undefined) patch.reviewConfig = input.reviewConfig;
      if (input.sharedConfig !== undefined) patch.sharedConfig = input.sharedConfig;
      await tx.updateAsset(principal.projectId, assetId, patch, [asset.assetState]);
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
        await tx.updateAsset(principal.projectId, assetId, { assetState: 'DELETED', deletedAt: now, updatedAt: now });
        return this.markFilesDeleted(tx, principal.projectId, assetId, now);
      }
      if (asset.assetState === 'DELETING') return [];
      if (!deletableStates.includes(asset.assetState)) {
        throw new AppError('assetStateConflict', `asset ${assetId} is ${asset.assetState}`);
      }
      await tx.updateAsset(
        principal.projectId,
        assetId,
        { assetState: 'DELETING', stateBeforeDelete: asset.assetState, deletedAt: now, updatedAt: now },
        [asset.assetState],
      );
      return [];
    });
    await this.removeBlobs(removed);
  }

  async restore(principal: Principal, assetId: string): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      const asset = await this.get(principal, assetId, tx);
      if (asset.assetState !== 'DELETING') {
        throw new AppError('assetStateConflict', `asset ${assetId} is ${asset.assetState}, not in the recycle bin`);
      }
      let back: AssetState = asset.stateBeforeDelete ?? 'UNACTIVED';
      const task = await tx.copyTasks.getTask(principal.projectId, assetId);
      // A copy cancelled by the delete cannot resume: it comes back FAILED, to be posted again.
      const cancelledCopy = back === 'CREATING' && task?.state === 'CANCELLED';
      if (cancelledCopy) back = 'FAILED';
      await tx.updateAsset(
        principal.projectId,
        assetId,
        {
          assetState: back,
          stateBeforeDelete: null,
          deletedAt: null,
          updatedAt: isoTime(this.deps.clock.now()),
          ...(cancelledCopy ? { reason: 'the copy was cancelled by a delete; post the replication info again' } : {}),
        },
        ['DELETING'],
      );
      if (cancelledCopy) {
        const at = isoTime(this.deps.clock.now());
        for (const f of await tx.listFiles(principal.projectId, [assetId])) {
          await tx.updateFile(f.fileId, { state: 'FAILED', updatedAt: at }, ['CREATING']);
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
        const ok = await tx.updateAsset(asset.projectId, asset.assetId, { assetState: 'DELETED', updatedAt: at }, ['DELETING']);
        return ok ? this.markFilesDeleted(tx, asset.projectId, asset.assetId, at) : [];
      });
      await this.removeBlobs(removed);
      purged += 1;
    }
    return purged;
  }

  private async markFilesDeleted(tx: MetadataStore, projectId: string, assetId: string, now: string): Promise<string[]> {
    const files = await tx.listFiles(projectId, [assetId]);
    for (const file of files) await tx.updateFile(file.fileId, { state: 'DELETED', updatedAt: now });
    return files.map((f) => f.blobKey);
  }

  /** After the commit: a crash here leaves unreferenced blobs, never a visible half-deleted asset. */
  private async removeBlobs(keys: string[]): Promise<void> {
    for (const key of keys) await this.deps.blobs.delete(key);
  }
}

export const visibleTo = (principal: Principal, asset: Asset): boolean =>
  principal.appUserId === undefined || asset.appUserId === principal.appUserId;

/** Files shown on an asset: not deleted or cancelled. */
const isListedFile = (f: AssetFile): boolean => f.state !== 'DELETED' && f.state !== 'CANCELLED';

function applyPropertyActions(
  current: SystemProperty[],
  changes: (SystemProperty & { action?: 'ADD' | 'DELETE' })[],
): SystemProperty[] {
  let result = [...current];
  for (const change of changes) {
    result = result.filter((p) => p.key !== change.key);
    if (change.action !== 'DELETE') result.push({ key: change.key, value: change.value });
  }
  return result;
}
