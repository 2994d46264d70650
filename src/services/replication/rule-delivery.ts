import type { AssetState } from '../../domain/asset.js';
import type { ReplicationManifest } from './manifest.js';
import { parseManifest } from './manifest.js';
import type { SealedInfo } from './seal.js';

/**
 * The region-to-region channel of replication rules (docs/replication.md, "Replication
 * rules"): region A posts a delivery to region B's `POST /replication/v1/rule-deliveries`;
 * the body names what the seal binds, the seal carries the payload.
 */
export interface DeliveryBody extends SealedInfo {
  rule_id: string;
  version: number;
  source_region: string;
  target_region: string;
}

/**
 * A batch: several deliveries in one request (`POST /replication/v1/rule-delivery-batches`),
 * each sealed on its own (its additional data names its rule, asset and version) and answered
 * on its own, in the same order.
 */
export interface DeliveryBatchBody {
  items: DeliveryBody[];
}

/** One item's answer in a batch: where its replica stands, or why that item alone was refused. */
export type DeliveryItemAnswer = (DeliveryAnswer & { status: 200 }) | { status: number; error_code: string; error_msg: string };

/**
 * - `upsert`: the asset as it is now (fields, state, files): B creates the replica or applies
 *   the change if it is newer than what it holds;
 * - `status`: a question about a version B already took (its copy was running): B answers
 *   where the replica stands and changes nothing, but for the ACTIVED/UNACTIVED toggle it
 *   holds back while a first copy runs; no manifest, so it is cheap to seal, open and answer;
 * - `delete`: the asset went to the recycle bin (`DELETING`) or for good (`DELETED`);
 * - `release`: the rule was disabled or deleted: its replicas become ordinary assets.
 */
export interface DeliveryPayload {
  v: 1;
  /** Unix seconds after which region B refuses the delivery (a captured one cannot be replayed later). */
  exp: number;
  kind: 'upsert' | 'status' | 'delete' | 'release';
  src: { region: string; account: string; project: string; asset: string };
  target_project: string;
  /** The asset's state in A (upsert, status, delete). */
  state?: AssetState;
  manifest?: ReplicationManifest;
}

/**
 * What B answers: where the replica stands after the delivery. `UNKNOWN` answers a status
 * question about a version B does not hold (A then delivers that version whole).
 */
export interface DeliveryAnswer {
  state: 'COPYING' | 'COMPLETED' | 'FAILED' | 'RELEASED' | 'UNKNOWN';
  /** The version of the origin the replica holds. */
  version: number;
  reason?: string;
  completed_time?: string;
  /** With COPYING: how soon asking again is worth it (B's queue of copies ahead), ms. */
  retry_after_ms?: number;
}

/** The longest wait region B asks for before the next question about a running copy (A never waits longer). */
export const maxRetryAfterMs = 30_000;

/** How long a sealed delivery opens: it is sealed afresh at every attempt, so a short life costs nothing. */
export const deliveryLifetimeSeconds = 900;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

/** Checks an opened payload's shape (sealed by a region of this deployment: a bad shape is refused whole). */
export function parsePayload(text: string): DeliveryPayload | undefined {
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(p) || p.v !== 1 || typeof p.exp !== 'number' || !['upsert', 'status', 'delete', 'release'].includes(String(p.kind)) || !isStr(p.target_project)) return undefined;
  const src = p.src;
  if (!isObject(src) || !isStr(src.region) || !isStr(src.account) || !isStr(src.project) || !isStr(src.asset)) return undefined;
  if (p.kind === 'upsert') {
    const manifest = isObject(p.manifest) ? parseManifest(JSON.stringify(p.manifest)) : undefined;
    if (!manifest || !isStr(p.state)) return undefined;
    return { ...(p as unknown as DeliveryPayload), manifest };
  }
  if ((p.kind === 'delete' || p.kind === 'status') && !isStr(p.state)) return undefined;
  return p as unknown as DeliveryPayload;
}
