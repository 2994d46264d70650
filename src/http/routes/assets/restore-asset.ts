import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { AssetParams, EmptyObject, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.post(
    '/v1/:project_id/digital-assets/:asset_id/restore',
    {
      config: { operation: 'asset.restore' },
      schema: { operationId: 'RestoreAsset', tags: ['assets'], params: AssetParams, response: withErrors(EmptyObject) },
    },
    async (request) => {
      await deps.assets.restore(principalOf(request), request.params.asset_id);
      return {};
    },
  );
}
