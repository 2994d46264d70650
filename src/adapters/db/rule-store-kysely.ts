import { sql, type Kysely, type Selectable } from 'kysely';
import { assetTypes, type AssetType } from '../../domain/asset.js';
import { AppError } from '../../domain/errors.js';
import { replicaStates, ruleMatches, type ReplicaState, type ReplicaStatus, type ReplicationRule, type RuleFilter, type RuleProgress } from '../../domain/replication-rule.js';
import { releaseMarker, type OutboxEntry, type RulePatch, type RuleStore } from '../../ports/rule-store.js';
import { engineOfDb, isUniqueViolation, lockForClaim, type Engine } from './engine.js';
import { rowToAsset } from './row-mapping.js';
import type { Database, ReplicaStatusTable, ReplicationRulesTable, RuleOutboxTable } from './schema.js';
import { perShape, preparedListLength, preparedQuery } from './prepared-query.js';

/** The replicas of some assets of one project, in the order ShowAsset and ListAssets show them. */
const statusQuery = (db: Kysely<Database>, projectId: string, assetIds: string[]) =>
  db.selectFrom('replica_status').selectAll().where('project_id', '=', projectId).where('asset_id', 'in', assetIds).orderBy('asset_id').orderBy('target_region').orderBy('rule_id');
const statusOfAssets = perShape((_length: number) =>
  preparedQuery((db: Kysely<Database>, projectId: string, ...assetIds: string[]) => statusQuery(db, projectId, assetIds)),
);

/** The outbox's writes of one delivery's answer and the replica-state read, compiled once (one per delivered asset). */
const statusOf = preparedQuery((db: Kysely<Database>, projectId: string, assetId: string, ruleId: string) =>
  db.selectFrom('replica_status').selectAll().where('project_id', '=', projectId).where('asset_id', '=', assetId).where('rule_id', '=', ruleId),
);
const finishOwned = preparedQuery((db: Kysely<Database>, ruleId: string, assetId: string, version: number, owner: string) =>
  db.deleteFrom('rule_outbox').where('rule_id', '=', ruleId).where('asset_id', '=', assetId).where('version', '=', version).where('lease_owner', '=', owner).returning('version'),
);
const rescheduleOwned = perShape((failed: boolean) =>
  preparedQuery((db: Kysely<Database>, ruleId: string, assetId: string, owner: string, version: number, dueAt: string, error: string | null) =>
    db
      .updateTable('rule_outbox')
      .set({
        lease_owner: null,
        lease_expires_at: null,
        // A newer change queued meanwhile is due now: it keeps its own due time.
        due_at: sql<string>`CASE WHEN version = ${version} THEN ${dueAt} ELSE due_at END`,
        attempts: failed ? sql<number>`attempts + 1` : sql<number>`attempts`,
        last_error: error,
      })
      .where('rule_id', '=', ruleId)
      .where('asset_id', '=', assetId)
      .where('lease_owner', '=', owner),
  ),
);

const toRule = (r: Selectable<ReplicationRulesTable>): ReplicationRule & { deletedAt: string | null } => ({
  ruleId: r.rule_id,
  projectId: r.project_id,
  accountId: r.account_id,
  ruleName: r.rule_name,
  targetRegion: r.target_region,
  targetProjectId: r.target_project_id,
  filter: JSON.parse(r.filter) as RuleFilter,
  replicateUpdates: Number(r.replicate_updates) === 1,
  replicateDeletes: Number(r.replicate_deletes) === 1,
  enabled: Number(r.enabled) === 1,
  backfillState: r.backfill_state as ReplicationRule['backfillState'],
  backfillTotal: Number(r.backfill_total),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  deletedAt: r.deleted_at,
});

const toEntry = (r: Selectable<RuleOutboxTable>): OutboxEntry => ({
  ruleId: r.rule_id,
  assetId: r.asset_id,
  projectId: r.project_id,
  version: Number(r.version),
  changedAt: r.changed_at,
  attempts: Number(r.attempts),
  leaseOwner: r.lease_owner,
});

const toStatus = (r: Selectable<ReplicaStatusTable>): ReplicaStatus => ({
  projectId: r.project_id,
  assetId: r.asset_id,
  ruleId: r.rule_id,
  targetRegion: r.target_region,
  state: r.state as ReplicaState,
  lastError: r.last_error,
  version: Number(r.version),
  changedAt: r.changed_at,
  completedTime: r.completed_time,
  updatedAt: r.updated_at,
});

const flag = (b: boolean): number => (b ? 1 : 0);

/** Queues entries: a newer version replaces an older one and is due at once; the lease stays with whoever holds it. */
async function upsertOutbox(db: Kysely<Database>, rows: RuleOutboxTable[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('rule_outbox')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['rule_id', 'asset_id']).doUpdateSet((eb) => ({
        version: sql<number>`CASE WHEN ${eb.ref('excluded.version')} > rule_outbox.version THEN ${eb.ref('excluded.version')} ELSE rule_outbox.version END`,
        changed_at: eb.ref('excluded.changed_at'),
        due_at: eb.ref('excluded.due_at'),
        attempts: 0,
      })),
    )
    .execute();
}

const outboxRow = (e: { ruleId: string; projectId: string; assetId: string; version: number; changedAt: string }, now: string): RuleOutboxTable => ({
  rule_id: e.ruleId,
  asset_id: e.assetId,
  project_id: e.projectId,
  version: e.version,
  changed_at: e.changedAt,
  due_at: now,
  attempts: 0,
  lease_owner: null,
  lease_expires_at: null,
  last_error: null,
});

/** A project's live rules: read by every change of an asset (compiled once). */
const enabledRulesOf = preparedQuery((db: Kysely<Database>, projectId: string) =>
  db.selectFrom('replication_rules').selectAll().where('project_id', '=', projectId).where('enabled', '=', 1).where('deleted_at', 'is', null),
);

/**
 * In the transaction of a change to an asset of `projectId` (its version already moved on):
 * queues a delivery under every enabled rule of the project that sends it — an ACTIVED asset
 * its filter selects, or one that already has a replica there (an update or a delete). A
 * replica never feeds a rule. One query when the project has no rule.
 */
export async function noteAssetChange(db: Kysely<Database>, projectId: string, assetId: string, now: string): Promise<void> {
  const rules = await enabledRulesOf(db, engineOfDb(db as Kysely<unknown>), projectId);
  if (rules.length === 0) return;
  const row = await db.selectFrom('assets').selectAll().where('project_id', '=', projectId).where('asset_id', '=', assetId).executeTakeFirst();
  if (!row || row.origin_region) return;
  const asset = rowToAsset(row);
  const held = new Set(
    (await db.selectFrom('replica_status').select('rule_id').where('project_id', '=', projectId).where('asset_id', '=', assetId).execute()).map((r) => r.rule_id),
  );
  const version = Number(row.version ?? 1);
  const sent = rules.map(toRule).filter((r) => held.has(r.ruleId) || (asset.assetState === 'ACTIVED' && ruleMatches(r.filter, asset)));
  await upsertOutbox(db, sent.map((r) => outboxRow({ ruleId: r.ruleId, projectId, assetId, version, changedAt: now }, now)));
  const fresh = sent.filter((r) => !held.has(r.ruleId));
  if (fresh.length === 0) return;
  await db
    .insertInto('replica_status')
    .values(fresh.map((r) => ({ project_id: projectId, asset_id: assetId, rule_id: r.ruleId, target_region: r.targetRegion, state: 'PENDING', last_error: null, version, changed_at: now, completed_time: null, updated_at: now })))
    .execute();
}

/** Rules, outbox and replica states on SQLite or PostgreSQL. */
export class KyselyRuleStore implements RuleStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

  async insertRule(rule: ReplicationRule): Promise<void> {
    try {
      await this.db
        .insertInto('replication_rules')
        .values({
          rule_id: rule.ruleId,
          project_id: rule.projectId,
          account_id: rule.accountId,
          rule_name: rule.ruleName,
          target_region: rule.targetRegion,
          target_project_id: rule.targetProjectId,
          filter: JSON.stringify(rule.filter),
          replicate_updates: flag(rule.replicateUpdates),
          replicate_deletes: flag(rule.replicateDeletes),
          enabled: flag(rule.enabled),
          backfill_state: rule.backfillState,
          backfill_total: rule.backfillTotal,
          created_at: rule.createdAt,
          updated_at: rule.updatedAt,
          deleted_at: null,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('ruleNameExists', `"${rule.ruleName}"`);
      throw err;
    }
  }

  async getRule(ruleId: string, includeDeleted = false): Promise<(ReplicationRule & { deletedAt: string | null }) | undefined> {
    let q = this.db.selectFrom('replication_rules').selectAll().where('rule_id', '=', ruleId);
    if (!includeDeleted) q = q.where('deleted_at', 'is', null);
    const row = await q.executeTakeFirst();
    return row ? toRule(row) : undefined;
  }

  async listRules(projectId: string): Promise<ReplicationRule[]> {
    const rows = await this.db.selectFrom('replication_rules').selectAll().where('project_id', '=', projectId).where('deleted_at', 'is', null).orderBy('created_at').orderBy('rule_id').execute();
    return rows.map(toRule);
  }

  async updateRule(ruleId: string, patch: RulePatch): Promise<boolean> {
    const row: Partial<ReplicationRulesTable> = { updated_at: patch.updatedAt };
    if (patch.ruleName !== undefined) row.rule_name = patch.ruleName;
    if (patch.filter !== undefined) row.filter = JSON.stringify(patch.filter);
    if (patch.replicateUpdates !== undefined) row.replicate_updates = flag(patch.replicateUpdates);
    if (patch.replicateDeletes !== undefined) row.replicate_deletes = flag(patch.replicateDeletes);
    if (patch.enabled !== undefined) row.enabled = flag(patch.enabled);
    if (patch.backfillState !== undefined) row.backfill_state = patch.backfillState;
    if (patch.backfillTotal !== undefined) row.backfill_total = patch.backfillTotal;
    if (patch.deletedAt !== undefined) row.deleted_at = patch.deletedAt;
    try {
      const res = await this.db.updateTable('replication_rules').set(row).where('rule_id', '=', ruleId).where('deleted_at', 'is', null).executeTakeFirst();
      return res.numUpdatedRows > 0n;
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('ruleNameExists', `"${patch.ruleName ?? ''}"`);
      throw err;
    }
  }

  async removeRule(ruleId: string): Promise<void> {
    await this.db.deleteFrom('replica_status').where('rule_id', '=', ruleId).execute();
    await this.db.deleteFrom('rule_outbox').where('rule_id', '=', ruleId).execute();
    await this.db.deleteFrom('replication_rules').where('rule_id', '=', ruleId).execute();
  }

  async progress(ruleIds: readonly string[], now: string): Promise<Map<string, RuleProgress>> {
    const result = new Map<string, RuleProgress>();
    for (const id of ruleIds) result.set(id, { counts: { pending: 0, copying: 0, completed: 0, failed: 0 }, lagSeconds: 0 });
    if (ruleIds.length === 0) return result;
    const rows = await this.db
      .selectFrom('replica_status')
      .select((eb) => ['rule_id', 'state', eb.fn.countAll<number | string>().as('n'), eb.fn.min('changed_at').as('oldest')])
      .where('rule_id', 'in', [...ruleIds])
      .groupBy(['rule_id', 'state'])
      .execute();
    for (const r of rows) {
      const p = result.get(r.rule_id);
      if (!p || !replicaStates.includes(r.state as ReplicaState)) continue;
      p.counts[r.state.toLowerCase() as Lowercase<ReplicaState>] = Number(r.n);
      if (r.state === 'PENDING' || r.state === 'COPYING') {
        const lag = Math.max(0, (Date.parse(now) - Date.parse(String(r.oldest))) / 1000);
        p.lagSeconds = Math.max(p.lagSeconds, Math.round(lag * 1000) / 1000);
      }
    }
    return result;
  }

  async enqueue(entries: { ruleId: string; projectId: string; assetId: string; version: number; changedAt: string }[], now: string): Promise<void> {
    await upsertOutbox(this.db, entries.map((e) => outboxRow(e, now)));
  }

  async enqueueExisting(rule: ReplicationRule, now: string): Promise<number> {
    let queued = 0;
    let after = '';
    for (;;) {
      let q = this.db
        .selectFrom('assets')
        .select(['asset_id', 'version'])
        .where('project_id', '=', rule.projectId)
        .where('asset_state', '=', 'ACTIVED')
        .where('origin_region', 'is', null)
        .where('asset_id', '>', after)
        .orderBy('asset_id')
        .limit(1000);
      const types = rule.filter.assetTypes.filter((t): t is AssetType => (assetTypes as readonly string[]).includes(t));
      if (types.length > 0) q = q.where('asset_type', 'in', types);
      if (rule.filter.namePrefix !== null) q = q.where(sql<boolean>`substr(asset_name, 1, ${rule.filter.namePrefix.length}) = ${rule.filter.namePrefix}`);
      if (rule.filter.tags.length > 0) {
        const tags = rule.filter.tags;
        q = q.where('asset_id', 'in', (eb) => eb.selectFrom('asset_tags').select('asset_id').where('project_id', '=', rule.projectId).where('tag', 'in', tags));
      }
      const page = await q.execute();
      if (page.length === 0) break;
      await this.db.transaction().execute(async (trx) => {
        await upsertOutbox(trx, page.map((a) => outboxRow({ ruleId: rule.ruleId, projectId: rule.projectId, assetId: a.asset_id, version: Number(a.version ?? 1), changedAt: now }, now)));
        const held = new Set(
          (await trx.selectFrom('replica_status').select('asset_id').where('rule_id', '=', rule.ruleId).where('asset_id', 'in', page.map((a) => a.asset_id)).execute()).map((r) => r.asset_id),
        );
        const fresh = page.filter((a) => !held.has(a.asset_id));
        if (fresh.length > 0) {
          await trx
            .insertInto('replica_status')
            .values(
              fresh.map((a) => ({
                project_id: rule.projectId, asset_id: a.asset_id, rule_id: rule.ruleId, target_region: rule.targetRegion, state: 'PENDING',
                last_error: null, version: Number(a.version ?? 1), changed_at: now, completed_time: null, updated_at: now,
              })),
            )
            .execute();
        }
      });
      queued += page.length;
      after = page[page.length - 1]?.asset_id ?? after;
    }
    return queued;
  }

  async claimDue(o: { owner: string; now: string; leaseUntil: string; limit: number }): Promise<OutboxEntry[]> {
    const due = this.db
      .selectFrom('rule_outbox')
      .select(['rule_id', 'asset_id'])
      .where('due_at', '<=', o.now)
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', o.now)]))
      .orderBy('due_at')
      .limit(o.limit);
    const rows = await this.db
      .updateTable('rule_outbox')
      .set({ lease_owner: o.owner, lease_expires_at: o.leaseUntil })
      .where((eb) => eb(eb.refTuple('rule_id', 'asset_id'), 'in', lockForClaim(this.engine, due).$asTuple('rule_id', 'asset_id')))
      .returningAll()
      .execute();
    return rows.map(toEntry);
  }

  async finish(entry: OutboxEntry, owner: string): Promise<boolean> {
    const deleted = await finishOwned(this.db, this.engine, entry.ruleId, entry.assetId, entry.version, owner);
    if (deleted.length > 0) return true;
    // A newer change came meanwhile: the entry stays queued, due now, for another worker.
    await this.db.updateTable('rule_outbox').set({ lease_owner: null, lease_expires_at: null }).where('rule_id', '=', entry.ruleId).where('asset_id', '=', entry.assetId).where('lease_owner', '=', owner).execute();
    return false;
  }

  async reschedule(entry: OutboxEntry, owner: string, dueAt: string, error: string | null): Promise<void> {
    await rescheduleOwned(error !== null)(this.db, this.engine, entry.ruleId, entry.assetId, owner, entry.version, dueAt, error);
  }

  async pendingByTarget(): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('rule_outbox as o')
      .innerJoin('replication_rules as r', 'r.rule_id', 'o.rule_id')
      .select((eb) => ['r.target_region', eb.fn.countAll<number | string>().as('n')])
      .where('o.asset_id', '!=', releaseMarker)
      .groupBy('r.target_region')
      .execute();
    return new Map(rows.map((r) => [r.target_region, Number(r.n)]));
  }

  async releaseReplicas(projectId: string, ruleId: string, at: string): Promise<number> {
    // A change of each replica: its version moves on (ShowAsset's cached answer is checked against it).
    const res = await this.db.updateTable('assets').set({ origin_rule_id: null, updated_at: at, version: sql<number>`version + 1` }).where('project_id', '=', projectId).where('origin_rule_id', '=', ruleId).executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  async getStatus(projectId: string, assetId: string, ruleId: string): Promise<ReplicaStatus | undefined> {
    const [row] = await statusOf(this.db, this.engine, projectId, assetId, ruleId);
    return row ? toStatus(row) : undefined;
  }

  async listStatus(projectId: string, assetIds: readonly string[]): Promise<ReplicaStatus[]> {
    if (assetIds.length === 0) return [];
    const rows =
      assetIds.length <= preparedListLength
        ? await statusOfAssets(assetIds.length)(this.db, this.engine, projectId, ...assetIds)
        : await statusQuery(this.db, projectId, [...assetIds]).execute();
    return rows.map(toStatus);
  }

  async putStatus(s: ReplicaStatus): Promise<void> {
    const row: ReplicaStatusTable = {
      project_id: s.projectId, asset_id: s.assetId, rule_id: s.ruleId, target_region: s.targetRegion, state: s.state, last_error: s.lastError,
      version: s.version, changed_at: s.changedAt, completed_time: s.completedTime, updated_at: s.updatedAt,
    };
    await this.db
      .insertInto('replica_status')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['project_id', 'asset_id', 'rule_id']).doUpdateSet({
          state: row.state, last_error: row.last_error, version: row.version, changed_at: row.changed_at, completed_time: row.completed_time, updated_at: row.updated_at,
        }),
      )
      .execute();
  }
}
