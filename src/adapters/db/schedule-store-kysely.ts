import type { Kysely, Selectable } from 'kysely';
import { entryKey as keyOf, scheduleEntries, type ScheduledOperation, type ScheduledOperationKind, type ScheduledOutcome } from '../../domain/scheduled-operation.js';
import type { ScheduledOperationRow, ScheduleStore } from '../../ports/schedule-store.js';
import type { Database, ScheduledOperationsTable } from './schema.js';

const toOperation = (r: Selectable<ScheduledOperationsTable>): ScheduledOperation => ({
  projectId: r.project_id,
  assetId: r.asset_id,
  operation: r.operation as ScheduledOperationKind,
  runAt: r.run_at,
});

/**
 * Brings the schedule of one asset in step with its `auto_operation_config` (the truth):
 * pending entries no longer in it are dropped, new ones added; entries that already ran stay
 * as they are, so one entry runs at most once however often the config is sent again.
 */
export async function indexSchedule(db: Kysely<Database>, projectId: string, assetId: string, config: unknown, newAsset = false): Promise<void> {
  const wanted = scheduleEntries(config);
  const wantedKeys = new Set(wanted.map(keyOf));
  // An asset inserted in the caller's transaction has no entries yet (they leave with its row).
  const rows = newAsset ? [] : await db.selectFrom('scheduled_operations').selectAll().where('project_id', '=', projectId).where('asset_id', '=', assetId).execute();
  const held = new Set(rows.map((r) => keyOf({ operation: r.operation, runAt: r.run_at })));
  for (const r of rows) {
    if (r.state !== 'PENDING' || wantedKeys.has(keyOf({ operation: r.operation, runAt: r.run_at }))) continue;
    await db
      .deleteFrom('scheduled_operations')
      .where('project_id', '=', projectId)
      .where('asset_id', '=', assetId)
      .where('operation', '=', r.operation)
      .where('run_at', '=', r.run_at)
      .execute();
  }
  const added = wanted.filter((e) => !held.has(keyOf(e)));
  if (added.length === 0) return;
  await db
    .insertInto('scheduled_operations')
    .values(added.map((e) => ({ project_id: projectId, asset_id: assetId, operation: e.operation, run_at: e.runAt, state: 'PENDING', finished_at: null, reason: null })))
    .execute();
}

export class KyselyScheduleStore implements ScheduleStore {
  constructor(private readonly db: Kysely<Database>) {}

  async listDue(now: string, limit: number): Promise<ScheduledOperation[]> {
    const rows = await this.db
      .selectFrom('scheduled_operations')
      .selectAll()
      .where('state', '=', 'PENDING')
      .where('run_at', '<=', now)
      .orderBy('run_at')
      .orderBy('project_id')
      .orderBy('asset_id')
      .limit(limit)
      .execute();
    return rows.map(toOperation);
  }

  async finish(op: ScheduledOperation, outcome: ScheduledOutcome, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('scheduled_operations')
      .set({ state: outcome.state, finished_at: at, reason: outcome.state === 'SKIPPED' ? outcome.reason : null })
      .where('project_id', '=', op.projectId)
      .where('asset_id', '=', op.assetId)
      .where('operation', '=', op.operation)
      .where('run_at', '=', op.runAt)
      .where('state', '=', 'PENDING')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async list(projectId: string, assetId: string): Promise<ScheduledOperationRow[]> {
    const rows = await this.db
      .selectFrom('scheduled_operations')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('asset_id', '=', assetId)
      .orderBy('run_at')
      .orderBy('operation')
      .execute();
    return rows.map((r) => ({ ...toOperation(r), state: r.state, reason: r.reason ?? '', finishedAt: r.finished_at }) as ScheduledOperationRow);
  }
}
