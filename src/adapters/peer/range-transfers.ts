import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** Where a ranged GET's bytes go: a local file at an offset, checked against a SHA-256. */
export interface RangeTarget {
  /** The file written (it exists: opened for writing in place, never created). */
  file: string;
  /** Where the range's first byte goes in it. */
  offset: number;
  /** The hex SHA-256 the range's bytes must have. */
  sha256: string;
}

/** A ranged GET, as the transport built it. */
export interface RangeGet {
  url: string;
  headers: Record<string, string>;
  /** Exactly this many bytes are expected. */
  length: number;
  /** A 200 (whole file) answer is the range's answer too. */
  whole: boolean;
}

/**
 * How one transfer ended in its thread: `durable` (every byte received, hash right, written and
 * fdatasync'ed), `mismatch` (too many or too few bytes, or another hash: nothing counts),
 * `changed` (the source ignored If-Range: other content), `status` (the source refused; its
 * status and the start of its answer), `error` (connection or file system), `aborted`.
 */
export type RangeOutcome =
  | { outcome: 'durable' | 'mismatch'; received: number }
  | { outcome: 'changed' }
  | { outcome: 'status'; status: number; text: string }
  | { outcome: 'error'; message: string; /** The local file failed, not the peer. */ file?: boolean }
  | { outcome: 'aborted' };

// Plain CommonJS evaluated in each thread (a worker thread cannot load the TypeScript sources
// under test). A transfer: open the file, GET the range on a kept-alive connection, hash every
// chunk as it arrives, copy it into a 512 KiB batch buffer written at its offset when full (one
// write in flight while the next batch fills; the response is paused only when a second one
// waits), check length and hash at the end, fdatasync, close, and only then answer. An abort
// destroys the request and answers once no write or flush of it is left in flight.
const threadSource = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const https = require('node:https');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: workerData.sockets, maxFreeSockets: workerData.sockets }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: workerData.sockets, maxFreeSockets: workerData.sockets }),
};
const batchBytes = workerData.batchBytes;
const jobs = new Map();

// Batch buffers, reused by every transfer: a network chunk is copied into one as it arrives and
// dropped at once (young garbage, freed by the next scavenge), instead of being held until its
// write completed (which got it promoted, its memory kept until a full collection).
const spare = [];
const takeBuffer = () => spare.pop() || Buffer.allocUnsafeSlow(batchBytes);

function writeAll(fd, buf, length, position, callback) {
  fs.write(fd, buf, 0, length, position, (err, written) => {
    if (err) return callback(err);
    if (written >= length) return callback(null);
    writeAll(fd, buf.subarray(written), length - written, position + written, callback);
  });
}

function start(m) {
  const job = { result: undefined, fd: undefined, opening: true, writing: 0, ended: false, req: undefined, res: undefined };
  jobs.set(m.id, job);
  const hash = createHash('sha256');
  let received = 0;
  let at = m.offset;
  let batch;
  let batched = 0;
  const finish = () => {
    if (job.result === undefined || job.opening || job.writing > 0 || job.finished) return;
    job.finished = true;
    const answer = () => { jobs.delete(m.id); parentPort.postMessage({ id: m.id, ...job.result }); };
    if (job.fd === undefined) return answer();
    fs.close(job.fd, answer);
  };
  // The first outcome stands; a later one (a write or flush ending after an abort) only lets the
  // answer go once nothing is in flight any more.
  const stop = (result) => {
    if (job.result !== undefined) return finish();
    job.result = result;
    job.release();
    // A response read to its end leaves its connection to the agent (kept alive, maybe already
    // serving another transfer): only one stopped early is torn down.
    if (!job.ended) {
      if (job.req) job.req.destroy();
      if (job.res) job.res.destroy();
    }
    finish();
  };
  job.stop = stop;
  const sync = () => {
    if (!job.ended || job.writing > 0 || job.result !== undefined) return;
    if (hash.digest('hex') !== m.sha256) return stop({ outcome: 'mismatch', received });
    job.writing += 1;
    fs.fdatasync(job.fd, (err) => {
      job.writing -= 1;
      if (err) stop({ outcome: 'error', file: true, message: 'cannot flush the staging file: ' + err.message });
      else stop({ outcome: 'durable', received });
    });
  };
  const write = () => {
    if (batched === 0) return;
    const buf = batch;
    const length = batched;
    const position = at;
    batch = undefined;
    batched = 0;
    at += length;
    job.writing += 1;
    if (job.writing > 1 && job.res) job.res.pause();
    writeAll(job.fd, buf, length, position, (err) => {
      job.writing -= 1;
      spare.push(buf);
      if (err) return stop({ outcome: 'error', file: true, message: 'cannot write the staging file: ' + err.message });
      if (job.result !== undefined) return finish();
      if (job.res && !job.ended) job.res.resume();
      sync();
    });
  };
  const take = (chunk) => {
    for (let from = 0; from < chunk.length; ) {
      if (batch === undefined) batch = takeBuffer();
      const n = chunk.copy(batch, batched, from);
      batched += n;
      from += n;
      if (batched === batchBytes) write();
    }
  };
  // A stopped transfer's partly filled buffer goes back at once (no write of it is pending).
  job.release = () => {
    if (batch !== undefined) spare.push(batch);
    batch = undefined;
    batched = 0;
  };
  fs.open(m.file, 'r+', (err, fd) => {
    job.opening = false;
    if (err) return job.result === undefined ? stop({ outcome: 'error', file: true, message: 'cannot open the staging file: ' + err.message }) : finish();
    job.fd = fd;
    if (job.result !== undefined) return finish();
    const url = new URL(m.url);
    const client = url.protocol === 'https:' ? https : http;
    const req = client.get(url, { headers: m.headers, agent: agents[url.protocol], timeout: workerData.idleTimeoutMs });
    job.req = req;
    req.on('timeout', () => req.destroy(new Error('peer timed out')));
    req.on('error', (e) => stop({ outcome: 'error', message: e.message }));
    req.on('response', (res) => {
      job.res = res;
      if (job.result !== undefined) return res.destroy();
      const status = res.statusCode || 0;
      if (!(status === 206 || (status === 200 && m.whole))) {
        if (status === 200) return stop({ outcome: 'changed' });
        let text = '';
        res.on('data', (c) => { if (text.length <= 4096) text += c.toString(); });
        res.on('end', () => {
          job.ended = true;
          stop({ outcome: 'status', status, text });
        });
        res.on('error', () => stop({ outcome: 'status', status, text }));
        return;
      }
      res.on('data', (chunk) => {
        if (job.result !== undefined) return;
        received += chunk.length;
        if (received > m.length) return stop({ outcome: 'mismatch', received });
        hash.update(chunk);
        take(chunk);
      });
      res.on('end', () => {
        if (job.result !== undefined) return;
        job.ended = true;
        if (received !== m.length) return stop({ outcome: 'mismatch', received });
        write();
        sync();
      });
      res.on('error', (e) => stop({ outcome: 'error', message: e.message }));
    });
  });
}

parentPort.on('message', (m) => {
  if (m.op === 'start') start(m);
  else if (m.op === 'abort') jobs.get(m.id)?.stop({ outcome: 'aborted' });
});
`;

/** Bytes written per call in a transfer thread (at most three such buffers per transfer). */
const batchBytes = 512 * 1024;

/**
 * Worker threads that move ranged GETs straight into local files: receiving, hashing, writing
 * and flushing happen there, off the event loop, which sees one message per range each way.
 * Threads start on first use and never keep the process up.
 */
export class RangeTransfers {
  private threads: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (o: RangeOutcome) => void; reject: (err: Error) => void; thread: Worker }>();
  private nextId = 1;
  private turn = 0;

  constructor(
    private readonly sockets: number,
    private readonly size = Math.max(1, Math.min(2, availableParallelism() - 1)),
    private readonly idleTimeoutMs = 30_000,
  ) {}

  private start(): void {
    for (let i = 0; i < this.size; i++) {
      const thread = new Worker(threadSource, { eval: true, workerData: { sockets: this.sockets, batchBytes, idleTimeoutMs: this.idleTimeoutMs } });
      thread.unref();
      thread.on('message', (m: RangeOutcome & { id: number }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.resolve(m);
      });
      // A thread that died took its transfers with it: they fail, and the next one starts afresh.
      const fail = (err: Error) => {
        for (const [id, p] of this.pending) {
          if (p.thread !== thread) continue;
          this.pending.delete(id);
          p.reject(err);
        }
        this.threads = this.threads.filter((t) => t !== thread);
      };
      thread.on('error', fail);
      thread.on('exit', (code) => fail(new Error(`range transfer thread exited (${code})`)));
      this.threads.push(thread);
    }
  }

  /** Threads started so far. */
  get started(): number {
    return this.threads.length;
  }

  /**
   * Runs one transfer in a thread. An abort answers `aborted` once the thread stopped writing
   * for it (the promise never settles while a write of it may still land).
   */
  run(get: RangeGet, target: RangeTarget, signal: AbortSignal): Promise<RangeOutcome> {
    if (signal.aborted) return Promise.resolve({ outcome: 'aborted' });
    if (this.threads.length === 0) this.start();
    const thread = this.threads[this.turn++ % this.threads.length] as Worker;
    const id = this.nextId++;
    const onAbort = () => thread.postMessage({ op: 'abort', id });
    return new Promise<RangeOutcome>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, thread });
      signal.addEventListener('abort', onAbort, { once: true });
      thread.postMessage({ op: 'start', id, ...get, ...target });
    }).finally(() => signal.removeEventListener('abort', onAbort));
  }

  async close(): Promise<void> {
    const threads = this.threads;
    this.threads = [];
    await Promise.all(threads.map((t) => t.terminate()));
  }
}
