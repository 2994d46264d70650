import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { withErrors } from '../../schemas/common.js';
import { filterInput, presentRule, RuleFilterBody, RuleInfo, RuleParams } from '../../schemas/rule.js';
import type { RouteDeps } from '../deps.js';
import { RuleName } from './create-rule.js';

/** The target of a rule stays as created (a new target is a new rule). */
const Body = Type.Object(
  {
    rule_name: Type.Optional(RuleName),
    filter: Type.Optional(RuleFilterBody),
    replicate_updates: Type.Optional(Type.Boolean()),
    replicate_deletes: Type.Optional(Type.Boolean()),
    enabled: Type.Optional(Type.Boolean({ description: 'false: region B is told and its replicas become ordinary assets' })),
  },
  { additionalProperties: false },
);

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.put(
    '/v1/:project_id/replication-rules/:rule_id',
    {
      config: { operation: 'rule.update' },
      schema: { operationId: 'UpdateReplicationRule', tags: ['replication-rules'], params: RuleParams, body: Body, response: withErrors(RuleInfo) },
    },
    async (request) => {
      const b = request.body;
      const rule = await deps.rules.update(principalOf(request), request.params.rule_id, {
        ruleName: b.rule_name,
        filter: filterInput(b.filter),
        replicateUpdates: b.replicate_updates,
        replicateDeletes: b.replicate_deletes,
        enabled: b.enabled,
      });
      return presentRule(rule);
    },
  );
}
