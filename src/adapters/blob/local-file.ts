import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/**
 * A read stream of a local file, opened first: a missing or unreadable file rejects here
 * instead of surfacing later as an `error` event that nothing may be listening to.
 * The stream owns the handle and closes it when it ends or is destroyed.
 */
export async function openLocalFile(localPath: string): Promise<Readable> {
  const handle = await open(localPath, 'r');
  return handle.createReadStream();
}
