import type { AvFacts, ImageFacts } from '../domain/media-meta.js';

/** Reads `length` bytes at `offset` of the file being probed (fewer at its end). */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/** Parsers of media files. Each throws when the bytes are not a file it understands. */
export interface MediaProbe {
  /** An image's facts and a JPEG thumbnail at most `thumbnailSize` pixels on its longer side. */
  image(bytes: Buffer, thumbnailSize: number): Promise<ImageFacts & { thumbnail: Buffer }>;
  /** An audio or video file's facts, read in chunks. */
  audioVideo(size: number, read: ReadAt): Promise<AvFacts>;
}
