import type { AppInstance } from '../types.js';
import type { RouteDeps } from './deps.js';
import batchAction from './assets/batch-action.js';
import createAsset from './assets/create-asset.js';
import deleteAsset from './assets/delete-asset.js';
import listAssetSummary from './assets/list-asset-summary.js';
import listAssets from './assets/list-assets.js';
import restoreAsset from './assets/restore-asset.js';
import showAsset from './assets/show-asset.js';
import updateAsset from './assets/update-asset.js';
import downloadBlob from './blobs/download-blob.js';
import downloadThumbnail from './blobs/download-thumbnail.js';
import uploadBlob from './blobs/upload-blob.js';
import confirmFile from './files/confirm-file.js';
import createFile from './files/create-file.js';
import createLargeFile from './files/create-large-file.js';
import deleteFile from './files/delete-file.js';
import createToken from './iam/create-token.js';
import listProjects from './iam/list-projects.js';
import health from './health.js';
import metrics from './metrics.js';
export { default as metricsRoute } from './metrics.js';
import createByReplicationInfo from './replication/create-by-replication-info.js';
import peerFile from './replication/peer-file.js';
import ruleDelivery from './replication/rule-delivery.js';
import showReplicationInfo from './replication/show-replication-info.js';
import backfillRule from './rules/backfill-rule.js';
import createRule from './rules/create-rule.js';
import deleteRule from './rules/delete-rule.js';
import listRules from './rules/list-rules.js';
import showRule from './rules/show-rule.js';
import updateRule from './rules/update-rule.js';
import createTransfer from './transfers/create-transfer.js';
import executeTransferAction from './transfers/execute-transfer-action.js';
import listTransfers from './transfers/list-transfers.js';
import showTransfer from './transfers/show-transfer.js';

/** The project API: every route here passes the authentication step. */
export const projectRoutes = [
  createAsset, listAssets, showAsset, updateAsset, deleteAsset, restoreAsset, listAssetSummary, batchAction,
  createFile, createLargeFile, confirmFile, deleteFile, showReplicationInfo, createByReplicationInfo,
  createTransfer, listTransfers, showTransfer, executeTransferAction,
  createRule, listRules, showRule, updateRule, deleteRule, backfillRule,
];

/** IAM (Keystone-shaped) routes: they authenticate for themselves. */
export const iamRoutes = [createToken, listProjects];

/** What every process of a region answers, a worker-only one included: health and (unless elsewhere or off) metrics. */
export function registerOperationsRoutes(app: AppInstance, deps: RouteDeps): void {
  health(app, deps);
  if (deps.metricsOnApi) metrics(app, deps);
}

export function registerBlobRoutes(app: AppInstance, deps: RouteDeps): void {
  downloadBlob(app, deps);
  downloadThumbnail(app, deps);
  peerFile(app, deps);
  ruleDelivery(app, deps);
  // Upload has its own content-type parsing: its own scope.
  void app.register(async (scope) => uploadBlob(scope, deps));
}
