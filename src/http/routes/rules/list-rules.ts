import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { ProjectParams, withErrors } from '../../schemas/common.js';
import { presentRule, RuleInfo } from '../../schemas/rule.js';
import type { RouteDeps } from '../deps.js';

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.get(
    '/v1/:project_id/replication-rules',
    {
      config: { operation: 'rule.list' },
      schema: {
        operationId: 'ListReplicationRules',
        tags: ['replication-rules'],
        params: ProjectParams,
        response: withErrors(Type.Object({ count: Type.Integer(), rules: Type.Array(RuleInfo) })),
      },
    },
    async (request) => {
      const rules = await deps.rules.list(principalOf(request));
      return { count: rules.length, rules: rules.map(presentRule) };
    },
  );
}
