import type { ScheduledOperation, ScheduledOutcome } from '../domain/scheduled-operation.js';

/** A scheduled operation with where it stands. */
export type ScheduledOperationRow = ScheduledOperation & ({ state: 'PENDING' } | ScheduledOutcome) & { finishedAt: string | null };

/**
 * The schedule of `auto_operation_config` entries. The metadata store keeps it in step with
 * each asset's config (on create, update, copy import and transfer move), in the same
 * transaction; these methods read it and mark what ran.
 */
export interface ScheduleStore {
  /** PENDING operations due at `now` (ISO), earliest first. */
  listDue(now: string, limit: number): Promise<ScheduledOperation[]>;
  /** Marks a PENDING operation finished; false when it was not PENDING (another worker ran it). */
  finish(op: ScheduledOperation, outcome: ScheduledOutcome, at: string): Promise<boolean>;
  /** The schedule of one asset, by due time. */
  list(projectId: string, assetId: string): Promise<ScheduledOperationRow[]>;
}
