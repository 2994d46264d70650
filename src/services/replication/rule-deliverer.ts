import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Asset } from '../../domain/asset.js';
import { ruleMatches, type ReplicaState, type ReplicaStatus, type ReplicationRule } from '../../domain/replication-rule.js';
import { isoTime } from '../../domain/time.js';
import type { Clock } from '../../ports/clock.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { releaseMarker, type OutboxEntry } from '../../ports/rule-store.js';
import type { KeyRing } from './key-ring.js';
import type { ReplicationService } from './replication-service.js';
import { deliveryLifetimeSeconds, type DeliveryAnswer, type DeliveryBody, type DeliveryPayload } from './rule-delivery.js';
import { sealDelivery } from './seal.js';

/** How a delivery reaches region B: its answer, or a fault to retry (unreachable, 5xx, 429). */
export interface DeliveryTransport {
  post(endpoint: string, body: DeliveryBody): Promise<{ status: number; body: unknown }>;
}

/** `fetch` with a time limit; no redirects. */
export const httpDeliveryTransport = (timeoutMs = 15_000): DeliveryTransport => ({
  async post(endpoint, body) {
    const res = await fetch(`${endpoint}/replication/v1/rule-deliveries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { error_msg: text.slice(0, 200) };
    }
    return { status: res.status, body: parsed };
  },
});

export interface RuleDelivererOptions {
  store: MetadataStore;
  replication: ReplicationService;
  keyRing: KeyRing | undefined;
  clock: Clock;
  logger: Logger;
  region: string;
  peers: Readonly<Record<string, string>>;
  transport: DeliveryTransport;
  /** Deliveries in flight at once in this instance. */
  concurrency: number;
  leaseMs: number;
  /** Longest wait between two attempts to an unreachable region. */
  retryMaxMs: number;
  /** Poll interval for due deliveries, ms (default 200). */
  pollMs?: number;
  /** A replica reached COMPLETED for a version: seconds since that version came to be in A. */
  onCompleted?: (targetRegion: string, lagSeconds: number) => void;
  /** A replica ended FAILED (reason: B's, or the refusal's code). */
  onFailed?: (reason: string) => void;
}

type Decision = { kind: 'drop' } | { kind: 'send'; payload: DeliveryPayload; version: number };

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
        const entries = await this.o.store.rules.claimDue({ owner: this.owner, now: isoTime(now), leaseUntil: isoTime(new Date(now.getTime() + this.o.leaseMs)), limit: room });
        claimed = entries.length;
        for (const entry of entries) {
          const run: Promise<void> = this.deliver(entry)
            .catch((err: unknown) => this.o.logger.error({ err, rule_id: entry.ruleId, asset_id: entry.assetId }, 'rule delivery failed'))
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

  private expiry(): number {
    return Math.floor(this.o.clock.now().getTime() / 1000) + deliveryLifetimeSeconds;
  }

  private nowIso(): string {
    return isoTime(this.o.clock.now());
  }

  /** One attempt at one entry. */
  async deliver(entry: OutboxEntry): Promise<void> {
    const rule = await this.o.store.rules.getRule(entry.ruleId, true);
    if (!rule) {
      await this.o.store.rules.finish(entry, this.owner);
      return;
    }
    const endpoint = this.o.peers[rule.targetRegion];
    if (!endpoint || !this.o.keyRing) {
      await this.retry(entry, rule, endpoint ? 'no replication key ring in this region' : `region ${rule.targetRegion} is not a peer`);
      return;
    }
    if (entry.assetId === releaseMarker) {
      await this.release(entry, rule, endpoint);
      return;
    }
    const asset = await this.o.store.getAsset(rule.projectId, entry.assetId);
    const status = await this.o.store.rules.getStatus(rule.projectId, entry.assetId, rule.ruleId);
    const decision = this.decide(rule, entry, asset, status);
    if (decision.kind === 'drop') {
      await this.o.store.rules.finish(entry, this.owner);
      return;
    }
    if (decision.payload.kind === 'upsert' && asset) decision.payload.manifest = await this.o.replication.manifestFor(asset, rule.accountId);
    const body = this.seal(rule, entry.assetId, decision.version, decision.payload);
    let res: { status: number; body: unknown };
    try {
      res = await this.o.transport.post(endpoint, body);
    } catch (err) {
      await this.retry(entry, rule, `region ${rule.targetRegion} unreachable: ${(err as Error).message}`, status, decision.version);
      return;
    }
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      await this.retry(entry, rule, `region ${rule.targetRegion} answered ${res.status}: ${reasonOf(res.body)}`, status, decision.version);
      return;
    }
    const base = { projectId: rule.projectId, assetId: entry.assetId, ruleId: rule.ruleId, targetRegion: rule.targetRegion, version: decision.version, changedAt: entry.changedAt };
    if (res.status !== 200) {
      const reason = reasonOf(res.body);
      await this.record(status, { ...base, state: 'FAILED', lastError: reason, completedTime: null });
      this.o.onFailed?.(reason.split(':')[0] ?? 'refused');
      await this.o.store.rules.finish(entry, this.owner);
      return;
    }
    const answer = res.body as DeliveryAnswer;
    if (answer.state === 'COPYING') {
      await this.record(status, { ...base, state: 'COPYING', lastError: null, completedTime: null });
      const key = `${rule.ruleId}/${entry.assetId}/${decision.version}`;
      const asked = this.asks.get(key) ?? 0;
      if (this.asks.size > 100_000) this.asks.clear();
      this.asks.set(key, asked + 1);
      // B says how long its queue of copies is: no sense asking before.
      const delay = Math.max(pollDelayMs(asked), Math.min(5_000, typeof answer.retry_after_ms === 'number' ? answer.retry_after_ms : 0));
      await this.o.store.rules.reschedule(entry, this.owner, isoTime(new Date(this.o.clock.now().getTime() + delay)), null);
      return;
    }
    this.asks.delete(`${rule.ruleId}/${entry.assetId}/${decision.version}`);
    if (answer.state === 'FAILED') {
      await this.record(status, { ...base, state: 'FAILED', lastError: answer.reason ?? 'failed', completedTime: null });
      this.o.onFailed?.((answer.reason ?? 'failed').split(':')[0] ?? 'failed');
    } else {
      const completed = answer.completed_time ?? this.nowIso();
      await this.record(status, { ...base, state: 'COMPLETED', lastError: null, completedTime: completed });
      if (status?.state !== 'COMPLETED' || status.version !== decision.version) {
        this.o.onCompleted?.(rule.targetRegion, Math.max(0, (Date.parse(completed) - Date.parse(entry.changedAt)) / 1000));
      }
    }
    await this.o.store.rules.finish(entry, this.owner);
  }

  /** What the asset's state asks of this rule now: a delivery, or nothing. */
  private decide(rule: ReplicationRule & { deletedAt: string | null }, entry: OutboxEntry, asset: Asset | undefined, status: ReplicaStatus | undefined): Decision {
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
  private async release(entry: OutboxEntry, rule: ReplicationRule & { deletedAt: string | null }, endpoint: string): Promise<void> {
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

  /** Due again after a backoff; a replica with a newer version waiting is PENDING again, with the error. */
  private async retry(entry: OutboxEntry, rule: ReplicationRule, error: string, status?: ReplicaStatus, version?: number): Promise<void> {
    const due = new Date(this.o.clock.now().getTime() + backoffMs(entry.attempts, this.o.retryMaxMs));
    await this.o.store.rules.reschedule(entry, this.owner, isoTime(due), error);
    if (status && version !== undefined && version > status.version) {
      await this.record(status, { ...status, state: 'PENDING', version, changedAt: entry.changedAt, lastError: error, completedTime: null });
    } else if (status) {
      await this.o.store.rules.putStatus({ ...status, lastError: error, updatedAt: this.nowIso() });
    }
    this.o.logger.debug({ rule_id: rule.ruleId, asset_id: entry.assetId, error }, 'rule delivery will be tried again');
  }

  /** Writes the replica's state; one log line when it changes. */
  private async record(previous: ReplicaStatus | undefined, next: Omit<ReplicaStatus, 'updatedAt'> & { state: ReplicaState }): Promise<void> {
    await this.o.store.rules.putStatus({ ...next, updatedAt: this.nowIso() });
    if (previous?.state === next.state && previous.version === next.version) return;
    this.o.logger.info(
      { asset_id: next.assetId, rule_id: next.ruleId, target_region: next.targetRegion, from: previous?.state ?? null, to: next.state, version: next.version, last_error: next.lastError ?? undefined },
      'replica state changed',
    );
  }
}
