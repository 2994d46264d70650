import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { Id, ProjectParams, withErrors } from '../../schemas/common.js';
import { filterInput, RuleFilterBody } from '../../schemas/rule.js';
import type { RouteDeps } from '../deps.js';

export const RuleName = Type.String({ minLength: 1, maxLength: 64 });

const Body = Type.Object(
  {
    rule_name: RuleName,
    target_region: Type.String({ minLength: 1, maxLength: 64 }),
    target_project_id: Type.Optional(Id),
    filter: Type.Optional(RuleFilterBody),
    replicate_updates: Type.Optional(Type.Boolean({ description: 'default true' })),
    replicate_deletes: Type.Optional(Type.Boolean({ description: 'default false' })),
    backfill: Type.Optional(Type.Boolean({ description: 'default false: also send the matching assets that exist now' })),
    enabled: Type.Optional(Type.Boolean({ description: 'default true' })),
  },
  { additionalProperties: false },
);

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.post(
    '/v1/:project_id/replication-rules',
    {
      config: { operation: 'rule.create' },
      schema: { operationId: 'CreateReplicationRule', tags: ['replication-rules'], params: ProjectParams, body: Body, response: withErrors(Type.Object({ rule_id: Type.String() })) },
    },
    async (request) => {
      const b = request.body;
      const ruleId = await deps.rules.create(principalOf(request), {
        ruleName: b.rule_name,
        targetRegion: b.target_region,
        targetProjectId: b.target_project_id,
        filter: filterInput(b.filter),
        replicateUpdates: b.replicate_updates,
        replicateDeletes: b.replicate_deletes,
        backfill: b.backfill,
        enabled: b.enabled,
      });
      return { rule_id: ruleId };
    },
  );
}
