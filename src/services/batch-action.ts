import { AppError, isAppError } from '../domain/errors.js';
import type { SharedConfig, SharedConfigInput } from '../domain/sharing.js';
import type { AssetService } from './asset-service.js';
import type { Principal } from '../domain/principal.js';
import { ShareRules } from './sharing.js';

export const batchActions = ['DELETE', 'DELETE_FORCE', 'RESTORE', 'UNACTIVE', 'ACTIVE', 'SHARE', 'UNSHARE'] as const;
export type BatchAction = (typeof batchActions)[number];

export interface BatchResult {
  retStatus: 'SUCCESS' | 'FAILED';
  assetIds: string[];
  error?: { code: string; message: string };
}

/**
 * The `params` of SHARE and UNSHARE, read from their JSON text: SHARE sets this
 * `shared_config`; UNSHARE removes its `allowed_project_ids` from each share (all of it when
 * there are no params).
 */
export interface BatchOptions {
  sharedConfig?: SharedConfigInput;
}

/** Runs one action on each asset on its own; successes are grouped, failures grouped by error. */
export async function executeBatchAction(
  assets: AssetService,
  principal: Principal,
  action: BatchAction,
  assetIds: string[],
  options: BatchOptions = {},
): Promise<BatchResult[]> {
  if (action === 'SHARE' && !options.sharedConfig) throw new AppError('invalidParameter', 'SHARE needs params: a shared_config as JSON text');
  // A bad SHARE config fails the whole request (400/403) before any asset changes.
  const share = action === 'SHARE' && options.sharedConfig ? await assets.checkShare(principal, options.sharedConfig) : undefined;
  const unshared = options.sharedConfig?.allowed_project_ids;
  const nextShare = (current: unknown): SharedConfig => share ?? ShareRules.without(current, unshared);

  const succeeded: string[] = [];
  const failed = new Map<string, BatchResult>();
  for (const assetId of [...new Set(assetIds)]) {
    try {
      await runOne(assets, principal, action, assetId, nextShare);
      succeeded.push(assetId);
    } catch (err) {
      if (!isAppError(err)) throw err;
      const key = `${err.code}\n${err.kind}`;
      const group = failed.get(key) ?? { retStatus: 'FAILED', assetIds: [], error: { code: err.code, message: err.message } };
      group.assetIds.push(assetId);
      failed.set(key, group);
    }
  }
  const results: BatchResult[] = succeeded.length > 0 ? [{ retStatus: 'SUCCESS', assetIds: succeeded }] : [];
  return [...results, ...failed.values()];
}

async function runOne(assets: AssetService, principal: Principal, action: BatchAction, assetId: string, nextShare: (current: unknown) => SharedConfig) {
  switch (action) {
    case 'DELETE':
      return assets.delete(principal, assetId, false);
    case 'DELETE_FORCE':
      return assets.delete(principal, assetId, true);
    case 'RESTORE':
      return assets.restore(principal, assetId);
    case 'ACTIVE':
      return assets.update(principal, assetId, { assetState: 'ACTIVED' });
    case 'UNACTIVE':
      return assets.update(principal, assetId, { assetState: 'UNACTIVED' });
    case 'SHARE':
    case 'UNSHARE':
      return assets.setShare(principal, assetId, nextShare);
  }
}
