import type { AssetState, FileState } from '../domain/asset.js';
import { assetStateRules } from '../domain/asset-states.js';
import { AppError } from '../domain/errors.js';
import { fileStateRules } from '../domain/file-states.js';
import type { AssetPatch, FilePatch, MetadataStore } from '../ports/metadata-store.js';

/**
 * Writes guarded by the state read before them. When the guard fails, something changed the
 * record in between: the caller answers 409 with the state found now (404 if it is gone),
 * never a success for a write that did not happen.
 */

export async function updateAssetIn(
  store: MetadataStore,
  key: { projectId: string; assetId: string },
  patch: AssetPatch,
  onlyIn: readonly AssetState[],
): Promise<void> {
  if (await store.updateAsset(key.projectId, key.assetId, patch, onlyIn)) return;
  const found = await store.getAsset(key.projectId, key.assetId);
  if (!found || !assetStateRules[found.assetState].visible) throw new AppError('assetNotFound', key.assetId);
  throw new AppError('assetStateConflict', `asset ${key.assetId} is ${found.assetState} (it changed meanwhile; expected ${onlyIn.join(' or ')})`);
}

export async function updateFileIn(
  store: MetadataStore,
  key: { projectId: string; fileId: string },
  patch: FilePatch,
  onlyIn: readonly FileState[],
): Promise<void> {
  if (await store.updateFile(key.fileId, patch, onlyIn)) return;
  const found = await store.getFile(key.projectId, key.fileId);
  if (!found || !fileStateRules[found.state].visible) throw new AppError('fileNotFound', key.fileId);
  throw new AppError('fileStateConflict', `file ${key.fileId} is ${found.state} (it changed meanwhile; expected ${onlyIn.join(' or ')})`);
}
