import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { withErrors } from '../../schemas/common.js';
import { presentRule, RuleInfo, RuleParams } from '../../schemas/rule.js';
import type { RouteDeps } from '../deps.js';

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.get(
    '/v1/:project_id/replication-rules/:rule_id',
    {
      config: { operation: 'rule.show' },
      schema: { operationId: 'ShowReplicationRule', tags: ['replication-rules'], params: RuleParams, response: withErrors(RuleInfo) },
    },
    async (request) => presentRule(await deps.rules.show(principalOf(request), request.params.rule_id)),
  );
}
