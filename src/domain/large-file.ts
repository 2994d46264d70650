/** CreateLargeFile: how a file is cut into parts, each sent to its own signed URL. */

const MiB = 1024 * 1024;
/** Every part but the last is at least this big (S3's own minimum). */
export const minPartSize = 5 * MiB;
/** No part is bigger than this (S3's own maximum). */
export const maxPartSize = 5 * 1024 * MiB;
/** Most parts a file may be cut into. */
export const maxPartCount = 100;

/** The parts of one large file. `fileSize` is unknown (undefined) only for a file sent in one part. */
export interface PartPlan {
  partCount: number;
  /** Size of every part but the last; for a file of unknown size, 0. */
  partSize: number;
  fileSize?: number;
}

/** The plan, or the sentence naming the limit it breaks. */
export function planParts(fileSize: number | undefined, partCount: number): PartPlan | { refused: string } {
  if (fileSize === undefined) {
    if (partCount > 1) return { refused: 'file_size is required when file_multipart_count is over 1' };
    return { partCount, partSize: 0 };
  }
  const partSize = Math.ceil(fileSize / partCount);
  if (partSize > maxPartSize) return { refused: `part size ${partSize} (file_size / file_multipart_count, rounded up) is over the limit of ${maxPartSize} bytes` };
  // With parts of at least 5 MiB, ceil(size / count) always leaves the last part some bytes.
  if (partCount > 1 && partSize < minPartSize) return { refused: `part size ${partSize} (file_size / file_multipart_count, rounded up) is under the limit of ${minPartSize} bytes` };
  return { partCount, partSize, fileSize };
}

/** Where part `n` (1-based) starts and how big it is; `undefined` size: the one part of a file of unknown size. */
export function partRange(plan: PartPlan, n: number): { offset: number; size: number | undefined } {
  const offset = (n - 1) * plan.partSize;
  if (plan.fileSize === undefined) return { offset, size: undefined };
  return { offset, size: n < plan.partCount ? plan.partSize : plan.fileSize - offset };
}
