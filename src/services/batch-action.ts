import { AppError, isAppError } from '../domain/errors.js';
import type { AssetService } from './asset-service.js';
import type { Principal } from '../domain/principal.js';

export const batchActions = ['DELETE', 'DELETE_FORCE', 'RESTORE', 'UNACTIVE', 'ACTIVE', 'SHARE', 'UNSHARE'] as const;
export type BatchAction = (typeof batchActions)[number];

export interface BatchResult {
  retStatus: 'SUCCESS' | 'FAILED';
  assetIds: string[];
  error?: { code: string; message: string };
}

/** Runs one action on each asset on its own; successes are grouped, failures grouped by error. */
export async function executeBatchAction(
  assets: AssetService,
  principal: Principal,
  action: BatchAction,
  assetIds: string[],
): Promise<BatchResult[]> {
  if (action === 'SHARE' || action === 'UNSHARE') {
    throw new AppError('unsupportedAction', `${action}: asset sharing is not available in this service`);
  }
  const succeeded: string[] = [];
  const failed = new Map<string, BatchResult>();
  for (const assetId of [...new Set(assetIds)]) {
    try {
      await runOne(assets, principal, action, assetId);
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

async function runOne(assets: AssetService, principal: Principal, action: Exclude<BatchAction, 'SHARE' | 'UNSHARE'>, assetId: string) {
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
  }
}
