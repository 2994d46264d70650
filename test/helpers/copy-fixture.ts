import { createHash } from 'node:crypto';
import type { AssetFile } from '../../src/domain/asset.js';
import { newAsset } from '../../src/domain/asset-fields.js';
import type { CopyTask } from '../../src/domain/copy-task.js';
import { newId } from '../../src/domain/ids.js';
import { isoTime } from '../../src/domain/time.js';
import type { MetadataStore } from '../../src/ports/metadata-store.js';
import { copyBlobKey } from '../../src/services/replication/replication-service.js';

/**
 * A copy in progress written straight into a region's metadata (asset CREATING, one file
 * CREATING, its task due now): for tests of claiming and of the operator commands, which need
 * copies in given states without a source region.
 */
export async function insertCopy(
  store: MetadataStore,
  o: { projectId?: string; sourceRegion?: string; deadline?: string; nextRunAt?: string } = {},
): Promise<CopyTask> {
  const projectId = o.projectId ?? newId();
  const assetId = newId();
  const fileId = newId();
  const tokenId = newId();
  const at = isoTime(new Date());
  const md5 = createHash('md5').update('x').digest('hex');
  const sha256 = createHash('sha256').update('x').digest('hex');
  const file: AssetFile = {
    fileId, projectId, assetId, fileName: 'main.mp4', fileSize: 1, fileType: 'mp4', category: 'MAIN', state: 'CREATING',
    declaredMd5: Buffer.from(md5, 'hex').toString('base64'), md5Hex: md5, sha256Hex: sha256, etag: `"${sha256}"`,
    blobKey: copyBlobKey(projectId, fileId, tokenId), fileExtraMeta: {}, uploadExpiresAt: null, thumbnailKey: null, createdAt: at, updatedAt: at,
  };
  const task: CopyTask = {
    projectId, assetId, sourceRegion: o.sourceRegion ?? 'cn-north-4', sourceProjectId: newId(), sourceAssetId: assetId, tokenId,
    files: [{ id: fileId, category: 'MAIN', name: 'main.mp4', type: 'mp4', size: 1, md5, sha256, cap: '1.x' }],
    state: 'CREATING', epoch: 0, leaseOwner: null, leaseExpiresAt: null, nextRunAt: o.nextRunAt ?? at, attempts: 0, lastError: null,
    failureCode: null, filesDone: 0, bytesDone: 0, bytesTotal: 1, deadline: o.deadline ?? '2999-01-01T00:00:00.000Z', requestId: null,
    startedAt: at, finishedAt: null,
  };
  await store.transaction(async (tx) => {
    await tx.insertAsset(newAsset({ projectId, assetId, appUserId: null, at }, { assetName: `copy-${assetId}`, assetType: 'VIDEO' }));
    await tx.insertFile(file);
    await tx.copyTasks.insertTask(task);
  });
  return task;
}
