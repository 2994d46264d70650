import { Type } from '@sinclair/typebox';
import { stringEnum } from '../../../domain/schema-parts.js';
import { maxTransferAssets, transferTypes } from '../../../domain/transfer.js';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { Id, ProjectParams, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

const TransferAssetBody = Type.Object({
  transfer_type: Type.Optional(stringEnum(transferTypes, 'default TRANSFER_OUT')),
  asset_ids: Type.Array(Id, { minItems: 1, maxItems: maxTransferAssets }),
  dest_project_id: Id,
  memo: Type.Optional(Type.String({ maxLength: 256 })),
  auto_accept: Type.Optional(Type.Boolean({ description: 'operator only: true is refused (403)' })),
  auto_active: Type.Optional(Type.Boolean({ description: 'operator only: true is refused (403)' })),
  is_need_billing: Type.Optional(Type.Boolean({ description: 'accepted and ignored: there is no billing' })),
  transfer_job_id: Type.Optional(Id),
});

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.post(
    '/v1/:project_id/digital-assets-action/transfers',
    {
      config: { operation: 'transfer.create' },
      schema: {
        operationId: 'TransferAsset',
        tags: ['transfers'],
        params: ProjectParams,
        body: TransferAssetBody,
        response: withErrors(Type.Object({ job_id: Type.String() })),
      },
    },
    async (request) => {
      const b = request.body;
      const jobId = await deps.transfers.create(principalOf(request), {
        transferType: b.transfer_type ?? 'TRANSFER_OUT',
        assetIds: b.asset_ids,
        destProjectId: b.dest_project_id,
        memo: b.memo,
        autoAccept: b.auto_accept,
        autoActive: b.auto_active,
        transferJobId: b.transfer_job_id,
      });
      return { job_id: jobId };
    },
  );
}
