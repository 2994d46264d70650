import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { assetActions } from '../../domain/asset-states.js';
import type { CopyFailureCode, CopyTask } from '../../domain/copy-task.js';
import { fileActions } from '../../domain/file-states.js';
import type { BlobStore } from '../../ports/blob-store.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import type { Clock } from '../../ports/clock.js';
import { isoTime } from '../../domain/time.js';
import { PeerFault, type PeerTransport } from '../../ports/peer-transport.js';
import { CommitGroup } from '../commit-group.js';
import { CopyLeftovers } from './copy-leftovers.js';
import { HashPool } from './hash-pool.js';
import { RateLimiter } from './rate-limiter.js';
import { ChecksumFault, copySegments, isSegmented, LostLeaseError } from './segment-copier.js';
import { Semaphore } from './semaphore.js';
import { copyBlobKey } from './replication-service.js';
import { replacedFileReason } from '../../domain/replication-rule.js';

export interface CopyWorkerOptions {
  store: MetadataStore;
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  region: string;
  /** Where each peer region answers: name -> public endpoint. */
  peers: Readonly<Record<string, string>>;
  /** How source files are fetched (ranged requests on kept-alive connections). */
  transport: PeerTransport;
  parallelTasks: number;
  /** Concurrent segment streams per peer, over all copies of this instance (default 8). */
  streamsPerPeer?: number;
  peerBandwidthBytesPerSecond: number;
  /**
   * Claims of one task without a recorded end of its run after which it fails as
   * `worker_crashed` instead of being run again (default 5).
   */
  maxClaims?: number;
  /** Lease length, ms (default 30 s; renewed every third of it). */
  leaseMs?: number;
  /** Poll interval for due tasks, ms (default 250). */
  pollMs?: number;
  /** Called with every chunk downloaded (metrics). */
  onBytes?: (n: number) => void;
  /** Called when a copy ends: activated (no code) or failed. */
  onFinished?: (task: CopyTask, failureCode?: CopyFailureCode) => void;
  /** Called when renewing a lease failed with an error (metrics); the run goes on and renews again. */
  onLeaseRenewFailed?: (err: unknown) => void;
  /**
   * How long a finished run's activation waits for others to share its transaction, ms
   * (default 10; 0: only those finishing in the same turn of the event loop). It commits at
   * once when every running copy waits.
   */
  activationGroupMs?: number;
}

type Running = { task: CopyTask; abort: AbortController; done: Promise<void> };

/** Exponential backoff with jitter, capped at a minute. */
const backoffMs = (attempt: number): number => Math.min(60_000, 500 * 2 ** Math.min(attempt, 10)) * (0.5 + Math.random());

/** Claims due copy tasks with a lease and runs them; safe with several instances per region. */
export class CopyWorker {
  readonly owner = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly running = new Map<string, Running>();
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly streams = new Map<string, Semaphore>();
  private readonly hashes = new HashPool();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private polling = false;
  /** A wake came during a poll: poll again at once. */
  private woken = false;
  private readonly leaseMs: number;
  private readonly leftovers: CopyLeftovers;
  private readonly activations: CommitGroup;

  constructor(private readonly o: CopyWorkerOptions) {
    this.leaseMs = o.leaseMs ?? 30_000;
    this.leftovers = new CopyLeftovers(o);
    this.activations = new CommitGroup({ store: o.store, windowMs: o.activationGroupMs ?? 10 });
  }

  start(): void {
    this.schedule(0);
  }

  /**
   * A new task was just recorded here: look now rather than at the next poll. A wake that comes
   * while a poll runs (its query may have read the tables before the new task was committed) is
   * kept, and the next poll follows at once.
   */
  wake(): void {
    if (this.timer === undefined) return;
    if (this.polling) this.woken = true;
    else this.schedule(0);
  }

  /** Polls again after `delayMs`; a finished task polls at once, so a queue drains fast. */
  private schedule(delayMs: number): void {
    if (this.stopping) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.woken = false;
      this.runOnce()
        .then((claimed) => {
          const room = this.running.size < this.o.parallelTasks;
          this.schedule(room && (claimed > 0 || this.woken) ? 0 : (this.o.pollMs ?? 250));
        })
        .catch((err: unknown) => {
          this.o.logger.error({ err }, 'copy worker poll failed');
          this.schedule(this.o.pollMs ?? 250);
        });
    }, delayMs);
  }

  /**
   * Stops claiming; running copies stop at their next step (their progress is checkpointed)
   * and are handed back, so another worker takes them at once and the claim counts for nothing.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    const running = [...this.running.values()];
    for (const r of running) r.abort.abort();
    await Promise.allSettled(running.map((r) => r.done));
    await Promise.allSettled(running.map((r) => this.o.store.copyTasks.release(r.task)));
    await this.hashes.close();
  }

  /** Claims what is due and starts it; resolves to how many tasks were claimed. */
  async runOnce(): Promise<number> {
    // One poll at a time, so the running set never exceeds the limit.
    if (this.polling) return 0;
    this.polling = true;
    try {
      return await this.claimAndStart();
    } finally {
      this.polling = false;
    }
  }

  private async claimAndStart(): Promise<number> {
    const free = this.o.parallelTasks - this.running.size;
    if (free <= 0 || this.stopping) return 0;
    const now = this.o.clock.now();
    const tasks = await this.o.store.copyTasks.claimDue({
      owner: this.owner,
      now: isoTime(now),
      leaseUntil: isoTime(new Date(now.getTime() + this.leaseMs)),
      limit: free,
    });
    for (const task of tasks) {
      const key = `${task.projectId}/${task.assetId}`;
      // A run of an older epoch of this task may still be going here (its copy was cancelled and
      // posted again before it noticed): it writes the same staging file, so it ends first.
      const previous = this.running.get(key);
      if (previous) {
        previous.abort.abort();
        await previous.done.catch(() => undefined);
        if (this.stopping) continue;
      }
      const abort = new AbortController();
      const maxClaims = this.o.maxClaims ?? 5;
      const done = ((task.claims ?? 0) > maxClaims ? this.failCrashed(task, maxClaims) : this.run(task, abort))
        // A failure inside failure handling (e.g. the database is gone) is logged, never unhandled.
        .catch((err: unknown) => this.o.logger.error({ err, asset: task.assetId }, 'copy run crashed'))
        .finally(() => {
          this.running.delete(key);
          this.schedule(0);
        });
      this.running.set(key, { task, abort, done });
    }
    return tasks.length;
  }

  /** Resolves when no copy runs in this worker. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  private limiter(peer: string): RateLimiter {
    let limiter = this.limiters.get(peer);
    if (!limiter) {
      limiter = new RateLimiter(this.o.peerBandwidthBytesPerSecond);
      this.limiters.set(peer, limiter);
    }
    return limiter;
  }

  private streamsTo(peer: string): Semaphore {
    let streams = this.streams.get(peer);
    if (!streams) {
      streams = new Semaphore(this.o.streamsPerPeer ?? 8);
      this.streams.set(peer, streams);
    }
    return streams;
  }

  private async run(task: CopyTask, abort: AbortController): Promise<void> {
    const log = this.o.logger.child({ op: 'copy.run', asset: task.assetId, reqId: task.requestId, epoch: task.epoch });
    const renew = setInterval(() => {
      const until = isoTime(new Date(this.o.clock.now().getTime() + this.leaseMs));
      this.o.store.copyTasks.renewLease(task, until).then(
        (ok) => ok || abort.abort(),
        // A failed renewal (e.g. the database is briefly unreachable) is retried at the next tick;
        // if the lease runs out meanwhile, the next write of this run fails on the epoch.
        (err: unknown) => {
          log.warn({ err }, 'copy lease renewal failed');
          this.o.onLeaseRenewFailed?.(err);
        },
      );
    }, this.leaseMs / 3);
    try {
      const endpoint = this.o.peers[task.sourceRegion];
      if (!endpoint) throw new PeerFault('permanent', 'source_refused', `region ${task.sourceRegion} is no longer a peer`);
      // Segments (and segmented uploads) are recorded for segmented files only.
      const segmented = task.files.some(isSegmented);
      // A whole file's progress moves the task's totals in the same transaction: with none
      // counted (the claim read them), no file of an unsegmented copy has any to resume from.
      const fresh = !segmented && task.bytesDone === 0 && task.filesDone === 0;
      const progress = new Map(fresh ? [] : (await this.o.store.copyTasks.fileProgress(task.projectId, task.assetId)).map((p) => [p.fileId, p]));
      await copySegments({
        task,
        files: task.files.filter((f) => !progress.get(f.id)?.done),
        progress,
        segments: segmented ? await this.o.store.copyTasks.segments(task.projectId, task.assetId) : [],
        activatesAfter: true,
        endpoint,
        region: this.o.region,
        transport: this.o.transport,
        blobs: this.o.blobs,
        store: this.o.store.copyTasks,
        hashes: this.hashes,
        streams: this.streamsTo(task.sourceRegion),
        lanes: this.o.streamsPerPeer ?? 8,
        limiter: this.limiter(task.sourceRegion),
        blobKey: (fileId) => copyBlobKey(task.projectId, fileId, task.tokenId),
        signal: abort.signal,
        onBytes: this.o.onBytes,
      });
      await this.activate(task);
      this.o.onFinished?.(task);
      log.info({ files: task.files.length, bytes: task.bytesTotal }, 'copy activated');
    } catch (err) {
      await this.handleFailure(task, err, abort.signal.aborted, log);
    } finally {
      clearInterval(renew);
    }
  }

  /**
   * All files verified: task, asset and files turn final in one conditional transaction, shared
   * with the activations of other runs finishing at about the same time (group commit, each in a
   * savepoint: a run whose lease was lost or whose write failed is undone alone).
   */
  private async activate(task: CopyTask): Promise<void> {
    const activated = this.activations.run(`${task.projectId}/${task.assetId}`, (tx) => this.activateIn(tx, task));
    // Every running copy waits in the group: no other can join it before the window ends.
    if (this.activations.size >= this.running.size) this.activations.flush();
    const replaced = await activated;
    for (const key of replaced) await this.o.blobs.delete(key);
  }

  /** The activation's writes, in the caller's transaction; returns the blobs to remove once committed. */
  private async activateIn(tx: MetadataStore, task: CopyTask): Promise<string[]> {
    const at = isoTime(this.o.clock.now());
    // The stored manifest loses its capabilities in the same statement (`files`).
    if (!(await tx.copyTasks.finish(task, { state: 'ACTIVED', at, files: task.files }))) throw new LostLeaseError();
    const asset = await tx.getAsset(task.projectId, task.assetId);
    if (asset?.origin && (asset.assetState === 'ACTIVED' || asset.assetState === 'UNACTIVED')) return this.switchFiles(tx, task, asset.assetState, at);
    const activated = { assetState: 'ACTIVED', updatedAt: at } as const;
    if (!(await tx.updateAsset(task.projectId, task.assetId, activated, assetActions.copyActivated.from))) throw new LostLeaseError();
    // The asset's update above moved its version on and told the rules, for its files too.
    for (const f of task.files) await tx.updateFile(f.id, { state: 'CREATED', updatedAt: at }, fileActions.copyVerified.from, { assetTouched: true });
    // Every upload was completed: no part rows stay behind (only segmented files have any).
    if (task.files.some(isSegmented)) await tx.copyTasks.clearSegments(task.projectId, task.assetId);
    return [];
  }

  /**
   * A live replica's new files are verified: they turn CREATED and the files they replace go,
   * in the caller's transaction (the old content stayed visible until now). Returns the blobs
   * to remove once committed.
   */
  private async switchFiles(tx: MetadataStore, task: CopyTask, state: 'ACTIVED' | 'UNACTIVED', at: string): Promise<string[]> {
    for (const f of task.files) await tx.updateFile(f.id, { state: 'CREATED', updatedAt: at }, fileActions.copyVerified.from);
    const replaced = (await tx.listFiles(task.projectId, [task.assetId])).filter((f) => f.reason === replacedFileReason);
    for (const f of replaced) await tx.deleteFile(f.fileId);
    if (!(await tx.updateAsset(task.projectId, task.assetId, { updatedAt: at }, [state]))) throw new LostLeaseError();
    if (task.files.some(isSegmented)) await tx.copyTasks.clearSegments(task.projectId, task.assetId);
    return replaced.flatMap((f) => (f.thumbnailKey ? [f.blobKey, f.thumbnailKey] : [f.blobKey]));
  }

  private async handleFailure(task: CopyTask, err: unknown, aborted: boolean, log: Logger): Promise<void> {
    if (err instanceof LostLeaseError || (aborted && !(err instanceof ChecksumFault))) {
      // Another worker (or a delete) owns the task now; if we are stopping, `stop` hands it back.
      log.info('copy step stopped: lease lost, cancelled or shutting down');
      if (!this.stopping) await this.sweepTask(task);
      return;
    }
    const now = this.o.clock.now();
    const permanent = err instanceof ChecksumFault || (err instanceof PeerFault && err.kind === 'permanent');
    const message = err instanceof Error ? err.message : String(err);
    if (!permanent) {
      const attempts = task.attempts + 1;
      const next = new Date(now.getTime() + backoffMs(attempts));
      if (next.toISOString() < task.deadline) {
        log.warn({ attempts, err: message }, 'copy attempt failed; will retry');
        await this.o.store.copyTasks.scheduleRetry(task, { attempts, nextRunAt: isoTime(next), lastError: message });
        return;
      }
    }
    // Permanent faults carry their code; a transient one that outlived the window is the window's.
    await this.fail(task, (permanent ? (err).failureCode : undefined) ?? 'copy_window_expired', message, log);
  }

  /** Every earlier claim of this task ended with its worker gone: it fails rather than crash another. */
  private async failCrashed(task: CopyTask, maxClaims: number): Promise<void> {
    const log = this.o.logger.child({ op: 'copy.run', asset: task.assetId, reqId: task.requestId, epoch: task.epoch });
    const message = `the copy was claimed ${maxClaims} times by workers that stopped without recording how its run ended (ASSETBRIDGE_COPY_MAX_CLAIMS)`;
    await this.fail(task, 'worker_crashed', message, log);
  }

  /** The task, its asset and its files turn FAILED in one conditional transaction; then its leftovers go. */
  private async fail(task: CopyTask, code: CopyFailureCode, message: string, log: Logger): Promise<void> {
    const at = isoTime(this.o.clock.now());
    const recorded = await this.o.store.transaction(async (tx) => {
      if (!(await tx.copyTasks.finish(task, { state: 'FAILED', at, failureCode: code, lastError: message }))) return false;
      // The task was still running, so its asset is CREATING (a delete would have cancelled the task).
      await tx.updateAsset(task.projectId, task.assetId, { assetState: 'FAILED', failType: code, reason: message, updatedAt: at }, assetActions.copyFailed.from);
      for (const f of task.files) await tx.updateFile(f.id, { state: 'FAILED', updatedAt: at }, fileActions.copyFailed.from);
      return true;
    });
    if (recorded) {
      log.warn({ failureCode: code, err: message }, 'copy failed');
      this.o.onFinished?.(task, code);
    }
    await this.sweepTask(task);
  }

  /** Removes what a failed or cancelled copy stored: no orphan blobs, parts or staging files. */
  async sweepTask(task: CopyTask): Promise<void> {
    await this.leftovers.remove(task);
  }

  /** Sweeps ended copies not swept yet (a crash between failure and cleanup leaves work for this). */
  async sweep(): Promise<void> {
    for (const task of await this.o.store.copyTasks.listUnswept(100)) await this.sweepTask(task);
    // Ended copies keep no download capability (failed ones once their copy window ended).
    await this.o.store.copyTasks.dropEndedCapabilities(isoTime(this.o.clock.now()), 100);
  }
}
