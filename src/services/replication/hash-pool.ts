import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** A running SHA-256 in a worker thread: bytes are handed over as they arrive, the digest comes back. */
export interface HashSession {
  /** Hands bytes to the worker; resolves once they are in its ring (waits while the ring is full). */
  update(data: Buffer): Promise<void>;
  digest(): Promise<string>;
  /** Drops the session (its segment failed or was aborted). */
  discard(): void;
}

// Plain CommonJS evaluated in each worker: one Hash and one shared ring per session id.
const workerSource = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const sessions = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'open') {
    sessions.set(m.id, { hash: createHash('sha256'), ring: new Uint8Array(m.ring) });
  } else if (m.op === 'data') {
    const s = sessions.get(m.id);
    if (s) s.hash.update(s.ring.subarray(m.start, m.start + m.length));
    parentPort.postMessage({ id: m.id, hashed: m.length });
  } else if (m.op === 'end') {
    const s = sessions.get(m.id);
    sessions.delete(m.id);
    parentPort.postMessage({ id: m.id, hex: (s ? s.hash : createHash('sha256')).digest('hex') });
  } else if (m.op === 'drop') {
    sessions.delete(m.id);
  }
});
`;

/**
 * Segments of at most this many bytes are hashed on the calling thread: SHA-256 of 64 KiB takes
 * some 0.1 ms, less than the messages to and from a worker thread (and their wake-ups) cost the
 * event loop; the worker threads pay off for large segments only.
 */
export const inlineHashBytes = 256 * 1024;

/** A SHA-256 on the calling thread (a small segment). */
function inlineSession(): HashSession {
  const hash = createHash('sha256');
  return {
    update: async (data) => void hash.update(data),
    digest: async () => hash.digest('hex'),
    discard: () => undefined,
  };
}

/** Bytes of each session's ring: what may wait for its worker at most. */
const ringBytes = 1024 * 1024;

/**
 * Bytes handed to the worker per message (half the ring). A message per network chunk (64 KiB)
 * cost the event loop some 600 ms per GiB hashed, more than the worker's hashing; batches of
 * 512 KiB cost some 170 ms (8 sessions at once, measured in isolation).
 */
const batchBytes = 512 * 1024;

/**
 * A small pool of worker threads hashing copy segments off the event loop (each segment's
 * bytes go to one worker, in order). The bytes pass through a shared-memory ring per session,
 * reused by later sessions: memory stays fixed whatever the volume, and a slow worker slows the
 * download instead of queueing bytes. Workers start on first use and never keep the process up.
 */
export class HashPool {
  private workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (hex: string) => void; reject: (err: Error) => void }>();
  /** Per open session: called with the bytes the worker has hashed. */
  private readonly sessions = new Map<number, (hashed: number) => void>();
  private readonly freeRings: SharedArrayBuffer[] = [];
  private nextId = 1;
  private turn = 0;

  constructor(private readonly size = Math.max(1, Math.min(4, availableParallelism() - 1))) {}

  private start(): void {
    for (let i = 0; i < this.size; i++) {
      const worker = new Worker(workerSource, { eval: true });
      worker.unref();
      worker.on('message', (m: { id: number; hex?: string; hashed?: number }) => {
        if (m.hashed !== undefined) {
          this.sessions.get(m.id)?.(m.hashed);
          return;
        }
        const w = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        w?.resolve(m.hex ?? '');
      });
      worker.on('error', (err) => this.failAll(err));
      this.workers.push(worker);
    }
  }

  private failAll(err: Error): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
    void this.close();
  }

  /** Worker threads started so far (none until a segment larger than `inlineHashBytes` is hashed). */
  get threads(): number {
    return this.workers.length;
  }

  /**
   * A hash session for a segment of `bytes` (when known): one of at most `inlineHashBytes` is
   * hashed on the calling thread, any other in a worker thread.
   */
  session(bytes?: number): HashSession {
    if (bytes !== undefined && bytes <= inlineHashBytes) return inlineSession();
    if (this.workers.length === 0) this.start();
    const worker = this.workers[this.turn++ % this.workers.length] as Worker;
    const id = this.nextId++;
    const shared = this.freeRings.pop() ?? new SharedArrayBuffer(ringBytes);
    const ring = new Uint8Array(shared);
    worker.postMessage({ op: 'open', id, ring: shared });
    // Bytes written into the ring, handed to the worker, and written but not hashed yet (all counted from the session's start).
    let head = 0;
    let posted = 0;
    let pending = 0;
    let closed = false;
    let wake: (() => void) | undefined;
    this.sessions.set(id, (hashed) => {
      pending -= hashed;
      const go = wake;
      wake = undefined;
      go?.();
    });
    // The ring goes back to the pool only once the worker can no longer read it.
    const release = () => {
      if (closed) return;
      closed = true;
      this.sessions.delete(id);
      wake?.();
    };
    // Hands the worker what the ring holds beyond what it was handed: one message per batch, not per network chunk.
    const flush = () => {
      while (posted < head) {
        const start = posted % ringBytes;
        const length = Math.min(head - posted, ringBytes - start);
        worker.postMessage({ op: 'data', id, start, length });
        posted += length;
      }
    };
    const put = async (data: Uint8Array): Promise<void> => {
      while (pending + data.length > ringBytes) {
        if (closed) return;
        // The worker frees room only for what it was handed.
        flush();
        await new Promise<void>((resolve) => (wake = resolve));
      }
      if (closed) return;
      const start = head % ringBytes;
      const first = Math.min(data.length, ringBytes - start);
      ring.set(data.subarray(0, first), start);
      if (first < data.length) ring.set(data.subarray(first), 0);
      head += data.length;
      pending += data.length;
      if (head - posted >= batchBytes) flush();
    };
    return {
      update: async (data) => {
        for (let at = 0; at < data.length; at += ringBytes / 2) await put(data.subarray(at, at + ringBytes / 2));
      },
      digest: () =>
        new Promise<string>((resolve, reject) => {
          this.waiting.set(id, {
            resolve: (hex) => {
              release();
              this.freeRings.push(shared);
              resolve(hex);
            },
            reject,
          });
          flush();
          worker.postMessage({ op: 'end', id });
        }),
      // A dropped session's ring is not reused: the worker may still be reading it.
      discard: () => {
        release();
        worker.postMessage({ op: 'drop', id });
      },
    };
  }

  async close(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
