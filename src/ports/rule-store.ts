import type { ReplicaState, ReplicaStatus, ReplicationRule, RuleProgress } from '../domain/replication-rule.js';

/** A delivery region A owes: the newest version of one asset under one rule (or `releaseMarker`: the rule's end). */
export interface OutboxEntry {
  ruleId: string;
  assetId: string;
  projectId: string;
  version: number;
  changedAt: string;
  attempts: number;
  leaseOwner: string | null;
}

/** The asset id of the outbox entry that tells region B a rule ended (its replicas become ordinary assets). */
export const releaseMarker = '*';

export type RulePatch = Partial<Pick<ReplicationRule, 'ruleName' | 'filter' | 'replicateUpdates' | 'replicateDeletes' | 'enabled' | 'backfillState' | 'backfillTotal'>> & {
  updatedAt: string;
  deletedAt?: string;
};

/**
 * Replication rules, their outbox and region A's replica states. The metadata store writes the
 * outbox in the transaction of every asset change (`noteAssetChange`); these methods read and
 * work it.
 */
export interface RuleStore {
  /** Throws AppError `ruleNameExists` when the project has a rule of that name. */
  insertRule(rule: ReplicationRule): Promise<void>;
  /** A rule not deleted (or, with `includeDeleted`, one whose end region B has not heard yet). */
  getRule(ruleId: string, includeDeleted?: boolean): Promise<(ReplicationRule & { deletedAt: string | null }) | undefined>;
  listRules(projectId: string): Promise<ReplicationRule[]>;
  updateRule(ruleId: string, patch: RulePatch): Promise<boolean>;
  /** Removes a deleted rule and region A's states of its replicas. */
  removeRule(ruleId: string): Promise<void>;
  progress(ruleIds: readonly string[], now: string): Promise<Map<string, RuleProgress>>;

  /** Queues `assetIds` (or the release marker) under the rule at `version`, due now; an entry already queued takes the newer version. */
  enqueue(entries: { ruleId: string; projectId: string; assetId: string; version: number; changedAt: string }[], now: string): Promise<void>;
  /** Queues every ACTIVED asset of the project that is no replica (a backfill); returns how many. */
  enqueueExisting(rule: ReplicationRule, now: string): Promise<number>;
  /** Leases due entries (PostgreSQL skips rows another claim holds). */
  claimDue(o: { owner: string; now: string; leaseUntil: string; limit: number }): Promise<OutboxEntry[]>;
  /** Removes the entry if it still holds this version under this lease (a newer change keeps it queued). */
  finish(entry: OutboxEntry, owner: string): Promise<boolean>;
  /** Releases the lease and makes the entry due at `dueAt`, counting an attempt when `error` is given. */
  reschedule(entry: OutboxEntry, owner: string, dueAt: string, error: string | null): Promise<void>;
  /** Entries queued per target region (for the metric). */
  pendingByTarget(): Promise<Map<string, number>>;

  /** Region B: the replicas this rule fed in the project become ordinary assets (origin kept, rule cleared); returns how many. */
  releaseReplicas(projectId: string, ruleId: string, at: string): Promise<number>;

  getStatus(projectId: string, assetId: string, ruleId: string): Promise<ReplicaStatus | undefined>;
  listStatus(projectId: string, assetIds: readonly string[]): Promise<ReplicaStatus[]>;
  putStatus(status: ReplicaStatus): Promise<void>;
}

export type { ReplicaState };
