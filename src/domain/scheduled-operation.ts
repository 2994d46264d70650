import { Type, type Static } from '@sinclair/typebox';
import { stringEnum } from './schema-parts.js';

/**
 * Operations an asset's owner schedules in `auto_operation_config` (docs/api-behaviour.md,
 * "Scheduled operations"): `BLOCK` freezes the asset (state BLOCK, files not downloadable,
 * lifted by the operator's `assetbridge assets unblock`); `DELETE` moves it to the recycle bin.
 */
export const scheduledOperationKinds = ['BLOCK', 'DELETE'] as const;
export type ScheduledOperationKind = (typeof scheduledOperationKinds)[number];

/** Most entries one asset schedules. */
export const maxScheduledOperations = 20;

/** One `auto_operation_config` entry, as MetaStudio's SDK names its fields. */
export const AutoOperationInput = Type.Object(
  {
    operation: stringEnum(scheduledOperationKinds, 'BLOCK: freeze the asset; DELETE: move it to the recycle bin'),
    operation_time: Type.String({ format: 'date-time', description: 'RFC 3339; in the future when it is set' }),
  },
  { additionalProperties: false },
);
export type AutoOperationInput = Static<typeof AutoOperationInput>;

/** A scheduled operation of one asset, as the schedule keeps it. */
export interface ScheduledOperation {
  projectId: string;
  assetId: string;
  operation: ScheduledOperationKind;
  /** When it is due (ISO, milliseconds). */
  runAt: string;
}

/** Where a scheduled operation ended: done, or skipped with the reason (the asset was already so, or gone). */
export type ScheduledOutcome = { state: 'DONE' } | { state: 'SKIPPED'; reason: string };

/** The `block_reason_code` of an asset a scheduled `BLOCK` froze. */
export const scheduledBlockReason = 'SCHEDULED_BLOCK';

/** One entry's identity: its operation and due time. */
export const entryKey = (e: { operation: string; runAt: string }): string => `${e.operation}@${e.runAt}`;

/** The entries of a stored config, each with its due time normalised (entries of other shapes are ignored). */
export function scheduleEntries(config: unknown): { operation: ScheduledOperationKind; runAt: string }[] {
  if (!Array.isArray(config)) return [];
  const out = new Map<string, { operation: ScheduledOperationKind; runAt: string }>();
  for (const item of config as unknown[]) {
    const e = item as Partial<AutoOperationInput> | null;
    if (!e || !scheduledOperationKinds.includes(e.operation as ScheduledOperationKind) || typeof e.operation_time !== 'string') continue;
    const at = new Date(e.operation_time);
    if (Number.isNaN(at.getTime())) continue;
    const entry = { operation: e.operation as ScheduledOperationKind, runAt: at.toISOString() };
    out.set(entryKey(entry), entry);
  }
  return [...out.values()];
}

/**
 * The entries of `next` that are not already in `current` and are not in the future at `now`:
 * a config may send back entries it already holds (they are not scheduled again), but a new
 * entry must lie ahead.
 */
export function pastNewEntries(current: unknown, next: unknown, now: Date): { operation: string; runAt: string }[] {
  const held = new Set(scheduleEntries(current).map(entryKey));
  return scheduleEntries(next).filter((e) => !held.has(entryKey(e)) && new Date(e.runAt) <= now);
}
