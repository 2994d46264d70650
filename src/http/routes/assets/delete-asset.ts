import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { stringEnum } from '../../../domain/schema-parts.js';
import { AssetParams, EmptyObject, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.delete(
    '/v1/:project_id/digital-assets/:asset_id',
    {
      config: { operation: 'asset.delete' },
      schema: {
        operationId: 'DeleteAsset',
        tags: ['assets'],
        params: AssetParams,
        querystring: Type.Object({ mode: Type.Optional(stringEnum(['force'] as const, 'force: delete for good')) }),
        response: withErrors(EmptyObject),
      },
    },
    async (request) => {
      await deps.assets.delete(principalOf(request), request.params.asset_id, request.query.mode === 'force');
      return {};
    },
  );
}
