import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { withErrors } from '../../schemas/common.js';
import { JobParams, presentJob, TransferAssetJobInfo } from '../../schemas/transfer.js';
import type { RouteDeps } from '../deps.js';

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.get(
    '/v1/:project_id/digital-assets-action/transfers/:job_id',
    {
      config: { operation: 'transfer.show' },
      schema: { operationId: 'ShowTransferAssetJob', tags: ['transfers'], params: JobParams, response: withErrors(TransferAssetJobInfo) },
    },
    async (request) => presentJob(await deps.transfers.show(principalOf(request), request.params.job_id)),
  );
}
