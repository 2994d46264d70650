import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Asset } from '../../domain/asset.js';
import { ruleMatches, type ReplicaState, type ReplicaStatus, type ReplicationRule } from '../../domain/replication-rule.js';
import { isoTime } from '../../domain/time.js';
import type { Clock } from '../../ports/clock.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { releaseMarker, type OutboxEntry } from '../../ports/rule-store.js';
import type { KeyRing } from './key-ring.js';
import type { ReplicationService } from './replication-service.js';
import { deliveryLifetimeSeconds, maxRetryAfterMs, type DeliveryAnswer, type DeliveryBatchBody, type DeliveryBody, type DeliveryPayload } from './rule-delivery.js';
import { sealDelivery } from './seal.js';

/** How a delivery reaches region B: its answer, or a fault to retry (unreachable, 5xx, 429). */
export interface DeliveryTransport {
  post(endpoint: string, body: DeliveryBody): Promise<{ status: number; body: unknown }>;
  /** Several deliveries in one request (`rule-delivery-batches`): `{items: [answer per item]}`. */
  postBatch(endpoint: string, body: DeliveryBatchBody): Promise<{ status: number; body: unknown }>;
}

/** `fetch` with a time limit (four times longer for a batch, which B applies item by item); no redirects. */
export const httpDeliveryTransport = (timeoutMs = 15_000): DeliveryTransport => {
  const postJson = async (url: string, body: unknown, limitMs = timeoutMs): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      redirect: 'error',
      signal: AbortSignal.timeout(limitMs),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { error_msg: text.slice(0, 200) };
    }
    return { status: res.status, body: parsed };
  };
  return {
    post: (endpoint, body) => postJson(`${endpoint}/replication/v1/rule-deliveries`, body),
    postBatch: (endpoint, body) => postJson(`${endpoint}/replication/v1/rule-delivery-batches`, body, timeoutMs * 4),
  };
};

export interface RuleDelivererOptions {
  store: MetadataStore;
  replication: ReplicationService;
  keyRing: KeyRing | undefined;
  clock: Clock;
  logger: Logger;
  region: string;
  peers: Readonly<Record<string, string>>;
  transport: DeliveryTransport;
  /** Requests in flight at once in this instance (each a batch of up to `batchSize` deliveries). */
  concurrency: number;
  /** Most deliveries one request carries (1: every delivery is a request of its own). */
  batchSize: number;
  leaseMs: number;
  /** Longest wait between two attempts to an unreachable region. */
  retryMaxMs: number;
  /** Poll interval for due deliveries, ms (default 200). */
  pollMs?: number;
  /** A replica reached COMPLETED for a version: seconds since that version came to be in A. */
  onCompleted?: (targetRegion: string, lagSeconds: number) => void;
  /**
   * A replica turned FAILED (reason: B's, or the refusal's code). A replica already FAILED
   * that fails again (a newer version refused the same way) is not counted twice.
   */
  onFailed?: (reason: string) => void;
}

type Decision = { kind: 'drop' } | { kind: 'send'; payload: DeliveryPayload; version: number };

type Rule = ReplicationRule & { deletedAt: string | null };

/** A delivery sealed and ready to post, with what its answer is recorded against. */
interface Prepared {
  entry: OutboxEntry;
  rule: Rule;
  status: ReplicaStatus | undefined;
  version: number;
  body: DeliveryBody;
}

/** Sealed bytes one batch carries at most (an item larger than that goes alone): well under B's body limit. */
const batchBytes = 256 * 1024;

/** How long region A posts one delivery per request to a region that answered that it takes no batches. */
const noBatchesMs = 10 * 60_000;

/** Backoff from 0.5 s, doubling, capped, with ±50 % jitter. */
const backoffMs = (attempt: number, capMs: number): number => Math.min(capMs, 500 * 2 ** Math.min(attempt, 16)) * (0.5 + Math.random());

/**
 * How soon to ask again about a copy in progress: 250 ms, then 1.5 times longer at each
 * question, at most 5 s (a backfill of thousands of queued copies asks each of them every few
 * seconds, not every 250 ms).
 */
const pollDelayMs = (asks: number): number => Math.min(5_000, 250 * 1.5 ** Math.min(asks, 20));

const reasonOf = (body: unknown): string => {
  const b = body as { error_code?: unknown; error_msg?: unknown } | null;
  return typeof b?.error_code === 'string' ? `${b.error_code}: ${typeof b.error_msg === 'string' ? b.error_msg : ''}` : 'refused';
};

/**
 * Region A's side of replication rules: claims due outbox entries with a lease (any number of
 * workers share them), decides what the asset's state asks for, seals it afresh and posts it
 * to region B. B's answer is the replica's state: COPYING is asked again (the same delivery is
 * idempotent), COMPLETED and FAILED end the entry. Unreachable or failing regions are retried
 * with backoff; nothing is lost if either region restarts (the entry is durable, the lease lapses).
 */
export class RuleDeliverer {
  readonly owner = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopping = true;
  private polling = false;
  /** Questions asked so far about each copy in progress (rule, asset, version), in this instance. */
  private readonly asks = new Map<string, number>();
  /** Regions that answered 404 to a batch (an older version): until when they get single deliveries. */
  private readonly noBatches = new Map<string, number>();

  constructor(private readonly o: RuleDelivererOptions) {}

  start(): void {
    this.stopping = false;
    this.schedule(0);
  }

  wake(): void {
    if (!this.stopping) this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await Promise.all([...this.inFlight]);
  }

  /** Runs until nothing is due (tests and benchmarks drive it directly too). */
  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), ms);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (this.polling || this.stopping) return;
    this.polling = true;
    let claimed = 0;
    try {
      const room = this.o.concurrency - this.inFlight.size;
      if (room > 0) {
        const now = this.o.clock.now();
        const limit = room * Math.max(1, this.o.batchSize);
        const entries = await this.o.store.rules.claimDue({ owner: this.owner, now: isoTime(now), leaseUntil: isoTime(new Date(now.getTime() + this.o.leaseMs)), limit });
        claimed = entries.length;
        for (const group of this.groups(entries)) {
          const run: Promise<void> = this.deliverAll(group)
            .catch((err: unknown) => this.o.logger.error({ err, rule_id: group[0]?.ruleId }, 'rule delivery failed'))
            .finally(() => {
              this.inFlight.delete(run);
              this.wake();
            });
          this.inFlight.add(run);
        }
      }
    } catch (err) {
      this.o.logger.warn({ err }, 'rule outbox poll failed; trying again');
    } finally {
      this.polling = false;
      if (!this.stopping) this.schedule(claimed > 0 && this.inFlight.size < this.o.concurrency ? 0 : (this.o.pollMs ?? 200));
    }
  }

  /** Claimed entries in groups of one rule (so of one target region), at most `batchSize` each. */
  private groups(entries: readonly OutboxEntry[]): OutboxEntry[][] {
    const size = Math.max(1, this.o.batchSize);
    const byRule = new Map<string, OutboxEntry[]>();
    for (const e of entries) {
      const list = byRule.get(e.ruleId);
      if (list) list.push(e);
      else byRule.set(e.ruleId, [e]);
    }
    const out: OutboxEntry[][] = [];
    for (const list of byRule.values()) for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
    return out;
  }

  private expiry(): number {
    return Math.floor(this.o.clock.now().getTime() / 1000) + deliveryLifetimeSeconds;
  }

  private nowIso(): string {
    return isoTime(this.o.clock.now());
  }

  /**
   * One attempt at entries of one rule: each is decided and sealed on its own, then they go to
   * region B together (one request per batch) and each answer is recorded against its entry.
   */
  async deliverAll(entries: readonly OutboxEntry[]): Promise<void> {
    const ruleId = entries[0]?.ruleId;
    if (ruleId === undefined) return;
    const rule = await this.o.store.rules.getRule(ruleId, true);
    if (!rule) {
      for (const entry of entries) await this.o.store.rules.finish(entry, this.owner);
      return;
    }
    const endpoint = this.o.peers[rule.targetRegion];
    if (!endpoint || !this.o.keyRing) {
      for (const entry of entries) await this.retry(entry, rule, endpoint ? 'no replication key ring in this region' : `region ${rule.targetRegion} is not a peer`);
      return;
    }
    const batches = this.batchesTo(endpoint);
    const ready: Prepared[] = [];
    for (const entry of entries) {
      if (entry.assetId === releaseMarker) {
        await this.release(entry, rule, endpoint);
        continue;
      }
      const prepared = await this.prepare(entry, rule, batches);
      if (prepared) ready.push(prepared);
      // SQLite answers synchronously: a turn of the event loop between entries lets the files
      // this region serves (and everything else) go on while a batch is prepared.
      await nextTurn();
    }
    if (!batches) {
      for (const p of ready) await this.sendOne(endpoint, p);
      return;
    }
    let batch: Prepared[] = [];
    let bytes = 0;
    for (const p of ready) {
      const size = p.body.asset_info.length;
      if (batch.length > 0 && bytes + size > batchBytes) {
        await this.sendBatch(endpoint, batch);
        batch = [];
        bytes = 0;
      }
      batch.push(p);
      bytes += size;
    }
    if (batch.length > 0) await this.sendBatch(endpoint, batch);
  }

  /** Whether `endpoint` takes batches (and so status questions): yes, unless it answered 404 to one lately. */
  private batchesTo(endpoint: string): boolean {
    if (this.o.batchSize <= 1) return false;
    const until = this.noBatches.get(endpoint);
    if (until === undefined) return true;
    if (until > Date.now()) return false;
    this.noBatches.delete(endpoint);
    return true;
  }

  /**
   * Decides what the entry asks for and seals it; undefined when nothing is to be sent (the
   * entry is finished). A version that region B took and is copying is asked about with a
   * `status` question (no manifest) when B takes batches; otherwise it is delivered whole.
   */
  private async prepare(entry: OutboxEntry, rule: Rule, questions: boolean): Promise<Prepared | undefined> {
    const asset = await this.o.store.getAsset(rule.projectId, entry.assetId);
    const status = await this.o.store.rules.getStatus(rule.projectId, entry.assetId, rule.ruleId);
    const decision = this.decide(rule, entry, asset, status);
    if (decision.kind === 'drop') {
      await this.o.store.rules.finish(entry, this.owner);
      return undefined;
    }
    const payload = decision.payload;
    if (payload.kind === 'upsert' && questions && status?.state === 'COPYING' && status.version === decision.version) payload.kind = 'status';
    else if (payload.kind === 'upsert' && asset) payload.manifest = await this.o.replication.manifestFor(asset, rule.accountId);
    return { entry, rule, status, version: decision.version, body: this.seal(rule, entry.assetId, decision.version, payload) };
  }

  /** One delivery, one request (a region that takes no batches). */
  private async sendOne(endpoint: string, p: Prepared): Promise<void> {
    let res: { status: number; body: unknown };
    try {
      res = await this.o.transport.post(endpoint, p.body);
    } catch (err) {
      await this.retry(p.entry, p.rule, `region ${p.rule.targetRegion} unreachable: ${(err as Error).message}`, p.status, p.version);
      return;
    }
    await this.settle(p, res);
  }

  /** Deliveries in one request; each item's answer is recorded against its entry. */
  private async sendBatch(endpoint: string, batch: Prepared[]): Promise<void> {
    let res: { status: number; body: unknown };
    try {
      res = await this.o.transport.postBatch(endpoint, { items: batch.map((p) => p.body) });
    } catch (err) {
      await this.retryAll(batch, `region ${batch[0]?.rule.targetRegion ?? ''} unreachable: ${(err as Error).message}`);
      return;
    }
    const code = (res.body as { error_code?: unknown } | null)?.error_code;
    if (res.status === 404 && code === 'MSS.00010003') {
      // A region of an older version: single deliveries (and no status questions) for a while.
      this.noBatches.set(endpoint, Date.now() + noBatchesMs);
      this.o.logger.info({ target_region: batch[0]?.rule.targetRegion }, 'region takes no delivery batches; delivering one by one');
      for (const p of batch) await this.o.store.rules.reschedule(p.entry, this.owner, this.nowIso(), null);
      return;
    }
    const items = (res.body as { items?: unknown } | null)?.items;
    if (res.status === 200 && (!Array.isArray(items) || items.length !== batch.length)) {
      await this.retryAll(batch, `region ${batch[0]?.rule.targetRegion ?? ''} answered a batch of ${batch.length} without an answer per item`);
      return;
    }
    // Every answer of the batch is recorded in one transaction (one commit, not several per
    // item); what the answers tell the metrics is told once it committed.
    const told: (() => void)[] = [];
    await this.o.store.transaction(async (tx) => {
      told.length = 0;
      for (const [i, p] of batch.entries()) {
        if (res.status !== 200) {
          // The request as a whole was refused or failed: every item takes that answer.
          await this.settle(p, res, tx, told);
          continue;
        }
        const item = (items as unknown[])[i] as { status?: unknown } | null;
        await this.settle(p, { status: typeof item?.status === 'number' ? item.status : 502, body: item }, tx, told);
      }
    });
    for (const tell of told) tell();
  }

  /** Records region B's answer to one delivery: where its replica stands, or a retry. */
  private async settle(p: Prepared, res: { status: number; body: unknown }, store: MetadataStore = this.o.store, told?: (() => void)[]): Promise<void> {
    const { entry, rule, status, version } = p;
    const rules = store.rules;
    // The metrics hear of an answer once it is recorded (after the commit of a batch's answers).
    const tell = (fn: () => void): void => {
      if (told) told.push(fn);
      else fn();
    };
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      await this.retry(entry, rule, `region ${rule.targetRegion} answered ${res.status}: ${reasonOf(res.body)}`, status, version, store);
      return;
    }
    const base = { projectId: rule.projectId, assetId: entry.assetId, ruleId: rule.ruleId, targetRegion: rule.targetRegion, version, changedAt: entry.changedAt };
    if (res.status !== 200) {
      const reason = reasonOf(res.body);
      await this.record(store, status, { ...base, state: 'FAILED', lastError: reason, completedTime: null });
      if (status?.state !== 'FAILED') tell(() => this.o.onFailed?.(reason.split(':')[0] ?? 'refused'));
      await rules.finish(entry, this.owner);
      return;
    }
    const answer = res.body as DeliveryAnswer;
    const key = `${rule.ruleId}/${entry.assetId}/${version}`;
    if (answer.state === 'UNKNOWN') {
      // B does not hold the version it was asked about: it is delivered whole, now.
      this.asks.delete(key);
      await this.record(store, status, { ...base, state: 'PENDING', lastError: null, completedTime: null });
      await rules.reschedule(entry, this.owner, this.nowIso(), null);
      return;
    }
    if (answer.state === 'COPYING') {
      await this.record(store, status, { ...base, state: 'COPYING', lastError: null, completedTime: null });
      const asked = this.asks.get(key) ?? 0;
      if (this.asks.size > 100_000) this.asks.clear();
      this.asks.set(key, asked + 1);
      // B says how long its queue of copies is: no sense asking before.
      const delay = Math.max(pollDelayMs(asked), Math.min(maxRetryAfterMs, typeof answer.retry_after_ms === 'number' ? answer.retry_after_ms : 0));
      await rules.reschedule(entry, this.owner, isoTime(new Date(this.o.clock.now().getTime() + delay)), null);
      return;
    }
    this.asks.delete(key);
    if (answer.state === 'FAILED') {
      await this.record(store, status, { ...base, state: 'FAILED', lastError: answer.reason ?? 'failed', completedTime: null });
      if (status?.state !== 'FAILED') tell(() => this.o.onFailed?.((answer.reason ?? 'failed').split(':')[0] ?? 'failed'));
    } else {
      const completed = answer.completed_time ?? this.nowIso();
      await this.record(store, status, { ...base, state: 'COMPLETED', lastError: null, completedTime: completed });
      if (status?.state !== 'COMPLETED' || status.version !== version) {
        tell(() => this.o.onCompleted?.(rule.targetRegion, Math.max(0, (Date.parse(completed) - Date.parse(entry.changedAt)) / 1000)));
      }
    }
    await rules.finish(entry, this.owner);
  }

  /** What the asset's state asks of this rule now: a delivery, or nothing. */
  private decide(rule: Rule, entry: OutboxEntry, asset: Asset | undefined, status: ReplicaStatus | undefined): Decision {
    if (!rule.enabled || rule.deletedAt) return { kind: 'drop' };
    const src = { region: this.o.region, account: rule.accountId, project: rule.projectId, asset: entry.assetId };
    const base = { v: 1 as const, exp: this.expiry(), src, target_project: rule.targetProjectId };
    const version = asset?.version ?? entry.version;
    // A replica never feeds a rule (so rules A->B and B->A make no loop).
    if (asset?.origin) return { kind: 'drop' };
    if (!asset || asset.assetState === 'DELETED' || asset.assetState === 'DELETING') {
      if (!status || !rule.replicateDeletes) return { kind: 'drop' };
      return { kind: 'send', version, payload: { ...base, kind: 'delete', state: asset?.assetState ?? 'DELETED' } };
    }
    // An asset that stopped matching stops being updated (its replica stays).
    if (!ruleMatches(rule.filter, asset)) return { kind: 'drop' };
    if (asset.assetState !== 'ACTIVED' && asset.assetState !== 'UNACTIVED') return { kind: 'drop' };
    if (!status && asset.assetState !== 'ACTIVED') return { kind: 'drop' };
    const replicated = status !== undefined && status.state !== 'PENDING' && status.state !== 'FAILED';
    if (replicated && !rule.replicateUpdates && status.state === 'COMPLETED') return { kind: 'drop' };
    return { kind: 'send', version, payload: { ...base, kind: 'upsert', state: asset.assetState } };
  }

  private seal(rule: ReplicationRule, assetId: string, version: number, payload: DeliveryPayload): DeliveryBody {
    const ring = this.o.keyRing as KeyRing;
    const sealed = sealDelivery(ring, { targetRegion: rule.targetRegion, ruleId: rule.ruleId, assetId, version }, Buffer.from(JSON.stringify(payload)));
    return { ...sealed, rule_id: rule.ruleId, version, source_region: this.o.region, target_region: rule.targetRegion };
  }

  /** Tells region B the rule ended; a deleted rule's row goes once B heard it. */
  private async release(entry: OutboxEntry, rule: Rule, endpoint: string): Promise<void> {
    const payload: DeliveryPayload = { v: 1, exp: this.expiry(), kind: 'release', src: { region: this.o.region, account: rule.accountId, project: rule.projectId, asset: releaseMarker }, target_project: rule.targetProjectId };
    let res: { status: number; body: unknown };
    try {
      res = await this.o.transport.post(endpoint, this.seal(rule, releaseMarker, entry.version, payload));
    } catch (err) {
      await this.retry(entry, rule, `region ${rule.targetRegion} unreachable: ${(err as Error).message}`);
      return;
    }
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      await this.retry(entry, rule, `region ${rule.targetRegion} answered ${res.status}`);
      return;
    }
    if (res.status !== 200) this.o.logger.warn({ rule_id: rule.ruleId, status: res.status, reason: reasonOf(res.body) }, 'region refused the end of a replication rule');
    await this.o.store.rules.finish(entry, this.owner);
    if (rule.deletedAt) await this.o.store.rules.removeRule(rule.ruleId);
  }

  /** Every delivery of a batch due again with the same error, recorded in one transaction. */
  private async retryAll(batch: readonly Prepared[], error: string): Promise<void> {
    await this.o.store.transaction(async (tx) => {
      for (const p of batch) await this.retry(p.entry, p.rule, error, p.status, p.version, tx);
    });
  }

  /** Due again after a backoff; a replica with a newer version waiting is PENDING again, with the error. */
  private async retry(entry: OutboxEntry, rule: ReplicationRule, error: string, status?: ReplicaStatus, version?: number, store: MetadataStore = this.o.store): Promise<void> {
    const due = new Date(this.o.clock.now().getTime() + backoffMs(entry.attempts, this.o.retryMaxMs));
    await store.rules.reschedule(entry, this.owner, isoTime(due), error);
    if (status && version !== undefined && version > status.version) {
      await this.record(store, status, { ...status, state: 'PENDING', version, changedAt: entry.changedAt, lastError: error, completedTime: null });
    } else if (status) {
      await store.rules.putStatus({ ...status, lastError: error, updatedAt: this.nowIso() });
    }
    this.o.logger.debug({ rule_id: rule.ruleId, asset_id: entry.assetId, error }, 'rule delivery will be tried again');
  }

  /** Writes the replica's state (not when nothing of it changed: a copy asked about again); one log line when it changes. */
  private async record(store: MetadataStore, previous: ReplicaStatus | undefined, next: Omit<ReplicaStatus, 'updatedAt'> & { state: ReplicaState }): Promise<void> {
    const same =
      previous !== undefined && previous.state === next.state && previous.version === next.version && previous.lastError === next.lastError &&
      previous.completedTime === next.completedTime && previous.changedAt === next.changedAt && previous.targetRegion === next.targetRegion;
    if (same) return;
    await store.rules.putStatus({ ...next, updatedAt: this.nowIso() });
    if (previous?.state === next.state && previous.version === next.version) return;
    this.o.logger.info(
      { asset_id: next.assetId, rule_id: next.ruleId, target_region: next.targetRegion, from: previous?.state ?? null, to: next.state, version: next.version, last_error: next.lastError ?? undefined },
      'replica state changed',
    );
  }
}
