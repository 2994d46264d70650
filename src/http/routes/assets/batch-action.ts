import { Type } from '@sinclair/typebox';
import { batchActions, executeBatchAction } from '../../../services/batch-action.js';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { FreeObject, stringEnum } from '../../../domain/schema-parts.js';
import { Id, ProjectParams, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

const Result = Type.Object({
  ret_status: Type.String(),
  asset_ids: Type.Array(Type.String()),
  error_info: Type.Optional(Type.Object({ error_code: Type.String(), error_msg: Type.String() })),
});

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.post(
    '/v1/:project_id/digital-assets/batch-action',
    {
      config: { operation: 'asset.batch' },
      schema: {
        operationId: 'BatchExecuteAssetAction',
        tags: ['assets'],
        params: ProjectParams,
        body: Type.Object({
          action: stringEnum(batchActions),
          asset_ids: Type.Array(Id, { minItems: 1, maxItems: 100 }),
          params: Type.Optional(FreeObject),
        }),
        response: withErrors(Type.Object({ results: Type.Array(Result) })),
      },
    },
    async (request) => {
      const results = await executeBatchAction(deps.assets, principalOf(request), request.body.action, request.body.asset_ids);
      return {
        results: results.map((r) => ({
          ret_status: r.retStatus,
          asset_ids: r.assetIds,
          error_info: r.error ? { error_code: r.error.code, error_msg: r.error.message } : undefined,
        })),
      };
    },
  );
}
