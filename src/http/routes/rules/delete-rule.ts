import { EmptyObject, withErrors } from '../../schemas/common.js';
import { RuleParams } from '../../schemas/rule.js';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import type { RouteDeps } from '../deps.js';

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.delete(
    '/v1/:project_id/replication-rules/:rule_id',
    {
      config: { operation: 'rule.delete' },
      schema: { operationId: 'DeleteReplicationRule', tags: ['replication-rules'], params: RuleParams, response: withErrors(EmptyObject) },
    },
    async (request) => {
      await deps.rules.delete(principalOf(request), request.params.rule_id);
      return {};
    },
  );
}
