import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { withErrors } from '../../schemas/common.js';
import { presentRule, RuleInfo, RuleParams } from '../../schemas/rule.js';
import type { RouteDeps } from '../deps.js';

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.post(
    '/v1/:project_id/replication-rules/:rule_id/backfill',
    {
      config: { operation: 'rule.backfill' },
      schema: { operationId: 'BackfillReplicationRule', tags: ['replication-rules'], params: RuleParams, response: withErrors(RuleInfo) },
    },
    async (request) => presentRule(await deps.rules.backfill(principalOf(request), request.params.rule_id)),
  );
}
