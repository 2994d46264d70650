import { Type, type Static } from '@sinclair/typebox';
import type { RuleFilterInput, RuleView } from '../../services/replication/rule-service.js';
import { apiTime } from '../presenters.js';

/** Checked by the service (unknown types, empty or repeated tags answer MSS.10008006). */
export const RuleFilterBody = Type.Object(
  {
    asset_types: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 32, description: 'asset types to send (none: every type)' })),
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 20, description: 'an asset is sent if it has any of these tags (none: every asset)' })),
    name_prefix: Type.Optional(Type.String({ maxLength: 256, description: 'asset names starting with this' })),
  },
  { additionalProperties: false },
);

/** A filter as the service takes it. */
export const filterInput = (f: Static<typeof RuleFilterBody> | undefined): RuleFilterInput | undefined =>
  f && { assetTypes: f.asset_types, tags: f.tags, namePrefix: f.name_prefix };

export const RuleInfo = Type.Object({
  rule_id: Type.String(),
  rule_name: Type.String(),
  target_region: Type.String(),
  target_project_id: Type.String(),
  filter: Type.Object({ asset_types: Type.Array(Type.String()), tags: Type.Array(Type.String()), name_prefix: Type.Optional(Type.String()) }),
  replicate_updates: Type.Boolean(),
  replicate_deletes: Type.Boolean(),
  enabled: Type.Boolean(),
  counts: Type.Object({ pending: Type.Integer(), copying: Type.Integer(), completed: Type.Integer(), failed: Type.Integer() }),
  lag_seconds: Type.Number({ description: 'age of the oldest change not yet ACTIVED in the target region (0: none waiting)' }),
  backfill: Type.Object({
    state: Type.String({ description: 'NONE (never asked), RUNNING (replicas it queued are pending or copying), DONE' }),
    queued: Type.Integer({ description: 'assets the last backfill queued' }),
  }),
  create_time: Type.String(),
  update_time: Type.String(),
});

export const RuleParams = Type.Object({ project_id: Type.String({ pattern: '^[0-9a-f]{32}$' }), rule_id: Type.String({ pattern: '^[0-9a-f]{32}$' }) });

export function presentRule(r: RuleView): Static<typeof RuleInfo> {
  const busy = r.progress.counts.pending + r.progress.counts.copying > 0;
  return {
    rule_id: r.ruleId,
    rule_name: r.ruleName,
    target_region: r.targetRegion,
    target_project_id: r.targetProjectId,
    filter: { asset_types: r.filter.assetTypes, tags: r.filter.tags, name_prefix: r.filter.namePrefix ?? undefined },
    replicate_updates: r.replicateUpdates,
    replicate_deletes: r.replicateDeletes,
    enabled: r.enabled,
    counts: r.progress.counts,
    lag_seconds: r.progress.lagSeconds,
    backfill: { state: r.backfillState === null ? 'NONE' : busy ? 'RUNNING' : 'DONE', queued: r.backfillTotal },
    create_time: apiTime(r.createdAt),
    update_time: apiTime(r.updatedAt),
  };
}
