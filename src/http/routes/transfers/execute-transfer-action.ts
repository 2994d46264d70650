import { Type } from '@sinclair/typebox';
import { stringEnum } from '../../../domain/schema-parts.js';
import { transferActionNames } from '../../../domain/transfer.js';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { Id, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

/** MetaStudio's spelling, kept: `accept_respone`. There is no billing here: nothing is ever required. */
const AcceptResponse = Type.Object({
  accept_respone: Type.Object({
    is_need_billing: Type.Boolean(),
    required_resources: Type.Array(Type.Object({}, { additionalProperties: true })),
  }),
});

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.post(
    '/v1/:project_id/digital-assets-action/transfers/:job_id/:action',
    {
      config: { operation: 'transfer.action' },
      schema: {
        operationId: 'ExecuteTransferAssetAction',
        tags: ['transfers'],
        params: Type.Object({ project_id: Id, job_id: Id, action: stringEnum(transferActionNames) }),
        // The body is optional (the SDK may send none): only `reject` reads its reason.
        body: Type.Union([Type.Object({ reason: Type.Optional(Type.String({ maxLength: 256 })) }), Type.Null()]),
        response: withErrors(AcceptResponse),
      },
    },
    async (request) => {
      const { job_id: jobId, action } = request.params;
      await deps.transfers.act(principalOf(request), jobId, action, request.body?.reason);
      return { accept_respone: { is_need_billing: false, required_resources: [] } };
    },
  );
}
