import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const block = 1024 * 1024;

/**
 * A large file that exists only as a stream: an AES-128-CTR keystream of random key (random-looking
 * bytes, the same at every read), so tests move gigabytes without holding them in memory or on disk.
 */
export class GeneratedFile {
  private readonly key = randomBytes(16);
  private readonly iv = randomBytes(16);

  constructor(readonly size: number) {}

  stream(): Readable {
    const cipher = createCipheriv('aes-128-ctr', this.key, this.iv);
    const zeros = Buffer.alloc(block);
    const size = this.size;
    return Readable.from(
      (function* () {
        for (let at = 0; at < size; at += block) yield cipher.update(zeros.subarray(0, Math.min(block, size - at)));
      })(),
    );
  }

  /** MD5 (base64, as CreateFile takes it) and SHA-256 (hex) of the whole file. */
  async digests(): Promise<{ md5: string; sha256: string }> {
    const md5 = createHash('md5');
    const sha256 = createHash('sha256');
    for await (const chunk of this.stream()) {
      md5.update(chunk as Buffer);
      sha256.update(chunk as Buffer);
    }
    return { md5: md5.digest('base64'), sha256: sha256.digest('hex') };
  }
}

/** Size and SHA-256 (hex) of a stream, read to its end. */
export async function hashStream(body: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  return { size, sha256: hash.digest('hex') };
}

/** PUT of a generated file to a signed upload URL, streamed; the answer's status. */
export async function putStream(url: string, file: GeneratedFile, md5: string): Promise<number> {
  const req = http.request(url, { method: 'PUT', headers: { 'content-length': String(file.size), 'content-md5': md5 } });
  const answered = new Promise<number>((resolve, reject) => {
    req.once('response', (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
  });
  await pipeline(file.stream(), req);
  return answered;
}
