import type { Asset, AssetType } from './asset.js';

/** Which assets a rule sends: every present part must match (an asset matches `tags` if it has any of them). */
export interface RuleFilter {
  assetTypes: AssetType[];
  tags: string[];
  namePrefix: string | null;
}

export interface ReplicationRule {
  ruleId: string;
  projectId: string;
  accountId: string;
  ruleName: string;
  targetRegion: string;
  targetProjectId: string;
  filter: RuleFilter;
  replicateUpdates: boolean;
  replicateDeletes: boolean;
  enabled: boolean;
  /** RUNNING while the rule's existing assets are being queued and sent, DONE after; null: never asked. */
  backfillState: 'RUNNING' | 'DONE' | null;
  /** Assets the last backfill queued. */
  backfillTotal: number;
  createdAt: string;
  updatedAt: string;
}

/** A replica's state as region A sees it. */
export const replicaStates = ['PENDING', 'COPYING', 'COMPLETED', 'FAILED'] as const;
export type ReplicaState = (typeof replicaStates)[number];

export interface ReplicaStatus {
  projectId: string;
  assetId: string;
  ruleId: string;
  targetRegion: string;
  state: ReplicaState;
  lastError: string | null;
  /** The version of the asset this state is about. */
  version: number;
  /** When that version came to be in region A. */
  changedAt: string;
  completedTime: string | null;
  updatedAt: string;
}

/** A rule's counts of replicas per state, and its lag: the age of its oldest change not yet completed (seconds). */
export interface RuleProgress {
  counts: Record<Lowercase<ReplicaState>, number>;
  lagSeconds: number;
}

/** Where a replica comes from, kept on the replica in region B. */
export interface ReplicaOrigin {
  region: string;
  projectId: string;
  assetId: string;
  /** The rule feeding it; null once the rule was disabled or deleted (the replica is an ordinary asset then). */
  ruleId: string | null;
  /** The newest version of the origin applied here. */
  version: number;
}

/** Whether the rule's filter selects this asset (a replica never feeds a rule: the caller checks). */
export function ruleMatches(filter: RuleFilter, asset: Pick<Asset, 'assetType' | 'tags' | 'assetName'>): boolean {
  if (filter.assetTypes.length > 0 && !filter.assetTypes.includes(asset.assetType)) return false;
  if (filter.tags.length > 0 && !asset.tags.some((t) => filter.tags.includes(t))) return false;
  if (filter.namePrefix !== null && !asset.assetName.startsWith(filter.namePrefix)) return false;
  return true;
}

/** The purpose every rule delivery's seal names: no other seal opens at the delivery endpoint. */
export const ruleDeliveryPurpose = 'rule-delivery';

/** The `reason` of a replica's file that a newer file replaces once that one is copied and verified. */
export const replacedFileReason = 'replaced by a newer version of the origin; removed once it is copied';
