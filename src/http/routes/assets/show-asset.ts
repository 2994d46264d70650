import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { presentAsset } from '../../presenters.js';
import { AssetParams, DigitalAssetInfo, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.get(
    '/v1/:project_id/digital-assets/:asset_id',
    {
      config: { operation: 'asset.show' },
      schema: { operationId: 'ShowAsset', tags: ['assets'], params: AssetParams, response: withErrors(DigitalAssetInfo) },
    },
    async (request) => {
      const { asset, files, copy } = await deps.assets.show(principalOf(request), request.params.asset_id);
      return presentAsset(asset, files, (f, a) => deps.files.downloadUrl(f, a), copy);
    },
  );
}
