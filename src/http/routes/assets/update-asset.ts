import { Type } from '@sinclair/typebox';
import { changesFromBody } from '../../../domain/asset-fields.js';
import { stringEnum } from '../../../domain/schema-parts.js';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { presentAsset } from '../../presenters.js';
import { updateBodyProperties } from '../../schemas/asset-fields.js';
import { AssetParams, DigitalAssetInfo, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

const UpdateAssetBody = Type.Object({
  ...updateBodyProperties,
  asset_state: Type.Optional(stringEnum(['ACTIVED', 'UNACTIVED'] as const, 'users may only activate or deactivate')),
});

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.put(
    '/v1/:project_id/digital-assets/:asset_id',
    {
      config: { operation: 'asset.update' },
      schema: {
        operationId: 'UpdateDigitalAsset',
        tags: ['assets'],
        params: AssetParams,
        body: UpdateAssetBody,
        response: withErrors(DigitalAssetInfo),
      },
    },
    async (request) => {
      const { asset, files, copy } = await deps.assets.update(principalOf(request), request.params.asset_id, {
        changes: changesFromBody(request.body),
        assetState: request.body.asset_state,
      });
      return presentAsset(asset, files, (f, a) => deps.files.downloadUrl(f, a), copy);
    },
  );
}
