/**
 * Files are hashed and moved between regions in fixed chunks: a SHA-256 of every chunk is
 * computed where the bytes first arrive and sealed into replication info, so a copy checks
 * each segment it receives against it.
 */
export const CHUNK_SIZE = 16 * 1024 * 1024;

/** S3's smallest part (all but the last part of a multipart upload). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

/** How many chunks a file of `size` bytes has (an empty file has none). */
export const chunkCount = (size: number, chunkSize = CHUNK_SIZE): number => Math.ceil(size / chunkSize);

/** One byte range of a file, as moved and checked by a copy. `end` is exclusive. */
export interface Segment {
  /** 0-based; part number `index + 1` in a multipart upload. */
  index: number;
  start: number;
  end: number;
}

/** The segments of a file: fixed `chunkSize` ranges, the last one shorter; an empty file is one empty segment. */
export function planSegments(size: number, chunkSize = CHUNK_SIZE): Segment[] {
  if (size === 0) return [{ index: 0, start: 0, end: 0 }];
  return Array.from({ length: chunkCount(size, chunkSize) }, (_, index) => ({
    index,
    start: index * chunkSize,
    end: Math.min(size, (index + 1) * chunkSize),
  }));
}
