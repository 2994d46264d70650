import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { presentFor } from '../../presenters.js';
import { AssetParams, DigitalAssetInfo, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

/** The caller's own asset, or another project's asset shared with the caller's project (same path, same id). */
export default function register(app: AppInstance, deps: RouteDeps): void {
  app.get(
    '/v1/:project_id/digital-assets/:asset_id',
    {
      config: { operation: 'asset.show' },
      schema: { operationId: 'ShowAsset', tags: ['assets'], params: AssetParams, response: withErrors(DigitalAssetInfo) },
    },
    async (request) => {
      const principal = principalOf(request);
      return presentFor(principal, await deps.assets.view(principal, request.params.asset_id), deps.files);
    },
  );
}
