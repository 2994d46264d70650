import type { Static } from '@sinclair/typebox';
import type { Asset, AssetFile } from '../domain/asset.js';
import type { CopyTask } from '../domain/copy-task.js';
import type { Principal } from '../domain/principal.js';
import { secondsTime } from '../domain/time.js';
import type { AssetWithFiles } from '../services/asset-service.js';
import type { FileService } from '../services/file-service.js';
import { presentFields } from './schemas/asset-fields.js';
import type { AssetFileInfo, DigitalAssetInfo, ReplicaStatusInfo, ReplicationProgress } from './schemas/common.js';
import type { ReplicaStatus } from '../domain/replication-rule.js';

/** A time as the stores write it (`isoTime`): UTC, milliseconds, `Z`. */
const storedTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * Seconds precision, `Z` suffix, as MetaStudio shows times. A time as the stores write it is
 * cut to its seconds (a list shows 20 of them: parsing each into a `Date` and printing it
 * again cost more than the rest of the presenting); any other form goes through `Date`.
 */
export const apiTime = (iso: string): string => (storedTime.test(iso) ? `${iso.slice(0, 19)}Z` : secondsTime(new Date(iso)));

const opt = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

export function presentFile(file: AssetFile, downloadUrl: string | undefined): Static<typeof AssetFileInfo> {
  return {
    file_id: file.fileId,
    file_name: file.fileName,
    file_size: file.fileSize,
    file_type: file.fileType,
    asset_file_category: file.category,
    download_url: downloadUrl,
    state: file.state,
    reason: opt(file.reason ?? null),
    file_extra_meta: file.fileExtraMeta,
    file_md5: file.md5Hex ? Buffer.from(file.md5Hex, 'hex').toString('base64') : opt(file.declaredMd5),
    file_sha256: opt(file.sha256Hex),
  };
}

/** Progress of the copy that makes this asset (our addition to DigitalAssetInfo). */
export function presentCopy(copy: CopyTask): Static<typeof ReplicationProgress> {
  return {
    source_region: copy.sourceRegion,
    source_asset_id: copy.sourceAssetId,
    state: copy.state,
    files_done: copy.filesDone,
    files_total: copy.files.length,
    bytes_done: copy.bytesDone,
    bytes_total: copy.bytesTotal,
    attempts: copy.attempts,
    last_error: opt(copy.lastError),
    failure_code: opt(copy.failureCode),
    started_at: apiTime(copy.startedAt),
    finished_at: copy.finishedAt ? apiTime(copy.finishedAt) : undefined,
  };
}

export function presentReplica(r: ReplicaStatus): Static<typeof ReplicaStatusInfo> {
  return {
    target_region: r.targetRegion,
    rule_id: r.ruleId,
    state: r.state,
    last_error: opt(r.lastError),
    completed_time: r.completedTime ? apiTime(r.completedTime) : undefined,
  };
}

export function presentAsset(
  asset: Asset,
  files: AssetFile[],
  downloadUrl: (file: AssetFile, asset: Asset) => string | undefined,
  copy?: CopyTask,
  replicas: ReplicaStatus[] = [],
): Static<typeof DigitalAssetInfo> {
  return {
    replication: copy ? presentCopy(copy) : undefined,
    replication_status: replicas.length > 0 ? replicas.map(presentReplica) : undefined,
    project_id: asset.projectId,
    asset_id: asset.assetId,
    produce_id: asset.produceId,
    ...presentFields(asset),
    app_user_id: opt(asset.appUserId),
    create_time: apiTime(asset.createdAt),
    update_time: apiTime(asset.updatedAt),
    asset_state: asset.assetState,
    fail_type: opt(asset.failType),
    block_reason_code: opt(asset.blockReasonCode),
    reason: opt(asset.reason),
    files: files.map((f) => presentFile(f, downloadUrl(f, asset))),
  };
}

/**
 * An asset as the calling project sees it. Another project's asset, read through a share,
 * shows no owner-only fields (its share settings, app user, review settings, copy progress),
 * and its download URLs name the caller's project and end no later than the share.
 */
export function presentFor(viewer: Principal, item: AssetWithFiles, files: Pick<FileService, 'downloadUrl'>): Static<typeof DigitalAssetInfo> {
  const share = item.sharedUntil && { projectId: viewer.projectId, until: item.sharedUntil };
  const info = presentAsset(item.asset, item.files, (f, a) => files.downloadUrl(f, a, share), share ? undefined : item.copy, share ? [] : item.replicas);
  if (!share) return info;
  const { shared_config: _shared, app_user_id: _appUser, review_config: _review, ...visible } = info;
  return visible;
}
