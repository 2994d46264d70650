import { Readable } from 'node:stream';
import { thumbnailBlobKey, type AssetFile } from '../domain/asset.js';
import { assetStateRules } from '../domain/asset-states.js';
import { audioMeta, imageMeta, metaKeyFor, unparsedMeta, videoMeta } from '../domain/media-meta.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { MediaProbe } from '../ports/media-probe.js';
import type { MetadataStore } from '../ports/metadata-store.js';

/** Longer side of a thumbnail, pixels. */
export const thumbnailSize = 256;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Media metadata (docs/api-behaviour.md, "Media metadata"): after an asset's MAIN file is
 * confirmed, in the background and one file at a time, fills `asset_extra_meta`'s
 * image_meta / video_meta / audio_meta and makes an image's thumbnail. A file that cannot be
 * parsed gets `error_info` in its meta; the asset itself never changes state for it.
 */
export class MediaService {
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: { store: MetadataStore; blobs: BlobStore; probe: MediaProbe; maxImageBytes: number; onError?: (file: AssetFile, err: unknown) => void },
  ) {}

  /** Queues a confirmed MAIN file; returns at once. */
  enqueue(file: AssetFile): void {
    this.pending = this.pending.then(() => this.describe(file)).catch((err: unknown) => this.deps.onError?.(file, err));
  }

  /** Resolves once everything queued so far is done (shutdown, tests). */
  idle(): Promise<void> {
    return this.pending;
  }

  /** Parses the file and writes its meta on the asset, if the file is still the asset's confirmed MAIN file. */
  async describe(file: AssetFile): Promise<void> {
    const asset = await this.deps.store.getAsset(file.projectId, file.assetId);
    const key = asset && metaKeyFor(asset.assetType);
    if (!key) return;
    let meta: Record<string, unknown>;
    let thumbnailKey: string | undefined;
    try {
      if (key === 'image_meta') {
        if (file.fileSize > this.deps.maxImageBytes) throw new Error(`images over ${this.deps.maxImageBytes} bytes are not parsed`);
        const facts = await this.deps.probe.image(await readAll(await this.deps.blobs.get(file.blobKey)), thumbnailSize);
        thumbnailKey = thumbnailBlobKey(file.blobKey);
        await this.deps.blobs.put(thumbnailKey, Readable.from([facts.thumbnail]), { contentType: 'image/jpeg' });
        meta = imageMeta(facts, file.fileSize);
      } else {
        const facts = await this.deps.probe.audioVideo(file.fileSize, (offset, length) => this.readAt(file, offset, length));
        meta = key === 'video_meta' ? videoMeta(facts) : audioMeta(facts);
      }
    } catch (err) {
      meta = unparsedMeta(err instanceof Error ? err.message : String(err));
    }
    await this.deps.store.transaction(async (tx) => {
      const current = await tx.getAsset(file.projectId, file.assetId);
      const main = await tx.getFile(file.projectId, file.fileId);
      // Replaced, deleted or moved meanwhile: what was parsed no longer describes the asset.
      if (!current || !assetStateRules[current.assetState].visible || main?.state !== 'CREATED' || main.blobKey !== file.blobKey) return;
      // System metadata does not count as a change of the asset (update_time stays).
      await tx.updateAsset(file.projectId, file.assetId, { assetExtraMeta: { ...current.assetExtraMeta, [key]: meta }, updatedAt: current.updatedAt });
      if (thumbnailKey) await tx.updateFile(file.fileId, { thumbnailKey, updatedAt: main.updatedAt });
    });
  }

  private async readAt(file: AssetFile, offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(offset + length, file.fileSize) - 1;
    if (end < offset) return new Uint8Array(0);
    return readAll(await this.deps.blobs.get(file.blobKey, { start: offset, end }));
  }
}
