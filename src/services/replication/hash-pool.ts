import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** A running SHA-256 in a worker thread: bytes are posted as they arrive, the digest comes back. */
export interface HashSession {
  /** Hands bytes to the worker; resolves at once, or once the worker has caught up (bounded memory). */
  update(data: Buffer): Promise<void> | undefined;
  digest(): Promise<string>;
  /** Drops the session (its segment failed or was aborted). */
  discard(): void;
}

// Plain CommonJS evaluated in each worker: one Hash per session id.
const workerSource = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const sessions = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'data') {
    let h = sessions.get(m.id);
    if (!h) sessions.set(m.id, (h = createHash('sha256')));
    h.update(m.data);
    parentPort.postMessage({ id: m.id, hashed: m.data.byteLength });
  } else if (m.op === 'end') {
    const h = sessions.get(m.id) || createHash('sha256');
    sessions.delete(m.id);
    parentPort.postMessage({ id: m.id, hex: h.digest('hex') });
  } else if (m.op === 'drop') {
    sessions.delete(m.id);
  }
});
`;

/** Bytes of one session queued for its worker at most. */
const maxPendingBytes = 2 * 1024 * 1024;

/**
 * A small pool of worker threads hashing copy segments off the event loop (each segment's
 * bytes go to one worker, in order). Workers start on first use and never keep the process up.
 */
export class HashPool {
  private workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (hex: string) => void; reject: (err: Error) => void }>();
  /** Per open session: called with the bytes the worker has hashed. */
  private readonly sessions = new Map<number, (hashed: number) => void>();
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
        this.sessions.delete(m.id);
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

  session(): HashSession {
    if (this.workers.length === 0) this.start();
    const worker = this.workers[this.turn++ % this.workers.length] as Worker;
    const id = this.nextId++;
    // Bytes posted and not hashed yet: past the limit the caller waits (a slow worker slows the
    // download instead of queueing the file in memory).
    let pending = 0;
    let resume: (() => void) | undefined;
    this.sessions.set(id, (hashed) => {
      pending -= hashed;
      if (pending <= maxPendingBytes && resume) {
        const go = resume;
        resume = undefined;
        go();
      }
    });
    return {
      // One exact copy of the bytes is handed over (transferred, not cloned again); the
      // caller keeps its buffer for the store.
      update: (data) => {
        const copy = new Uint8Array(data);
        pending += copy.byteLength;
        worker.postMessage({ op: 'data', id, data: copy }, [copy.buffer]);
        if (pending <= maxPendingBytes) return undefined;
        return new Promise<void>((resolve) => (resume = resolve));
      },
      digest: () =>
        new Promise<string>((resolve, reject) => {
          this.waiting.set(id, { resolve, reject });
          worker.postMessage({ op: 'end', id });
        }),
      discard: () => {
        this.sessions.delete(id);
        resume?.();
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
