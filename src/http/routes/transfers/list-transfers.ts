import { Type } from '@sinclair/typebox';
import { stringEnum } from '../../../domain/schema-parts.js';
import { transferJobStates, transferTypes } from '../../../domain/transfer.js';
import { enumList } from '../../comma-list.js';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { ProjectParams, withErrors } from '../../schemas/common.js';
import { presentJob, TransferAssetJobInfo } from '../../schemas/transfer.js';
import type { RouteDeps } from '../deps.js';

const ListTransfersQuery = Type.Object({
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  role: Type.Optional(stringEnum(['ALL', 'SENDER', 'RECEIVER'] as const, 'default ALL')),
  state: Type.Optional(Type.String({ maxLength: 128, description: 'comma-separated job states' })),
  transfer_type: Type.Optional(stringEnum(transferTypes, 'default TRANSFER_OUT')),
});

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.get(
    '/v1/:project_id/digital-assets-action/transfers',
    {
      config: { operation: 'transfer.list' },
      schema: {
        operationId: 'ListTransferAssetJobs',
        tags: ['transfers'],
        params: ProjectParams,
        querystring: ListTransfersQuery,
        response: withErrors(Type.Object({ count: Type.Integer(), jobs: Type.Array(TransferAssetJobInfo) })),
      },
    },
    async (request) => {
      const q = request.query;
      const { count, jobs } = await deps.transfers.list(principalOf(request), {
        offset: q.offset,
        limit: q.limit,
        role: q.role ?? 'ALL',
        states: enumList('state', q.state, transferJobStates),
        transferType: q.transfer_type ?? 'TRANSFER_OUT',
      });
      return { count, jobs: jobs.map(presentJob) };
    },
  );
}
