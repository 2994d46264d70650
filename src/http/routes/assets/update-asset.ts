import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { presentAsset } from '../../presenters.js';
import { AssetParams, AssetType, DigitalAssetInfo, FreeObject, SystemPropertyWithAction, Tags, stringEnum, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

const UpdateAssetBody = Type.Object({
  asset_name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  asset_description: Type.Optional(Type.String({ maxLength: 1024 })),
  asset_type: Type.Optional(AssetType),
  asset_state: Type.Optional(stringEnum(['ACTIVED', 'UNACTIVED'] as const, 'users may only activate or deactivate')),
  review_config: Type.Optional(Type.Object({ no_need_review: Type.Optional(Type.Boolean()) })),
  tags: Type.Optional(Tags),
  asset_extra_meta: Type.Optional(FreeObject),
  system_properties: Type.Optional(Type.Array(SystemPropertyWithAction, { maxItems: 50 })),
  shared_config: Type.Optional(FreeObject),
  asset_order: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })),
  supported_service: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 20 })),
  auto_operation_config: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 20 })),
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
      const b = request.body;
      const { asset, files, copy } = await deps.assets.update(principalOf(request), request.params.asset_id, {
        assetName: b.asset_name,
        assetDescription: b.asset_description,
        assetType: b.asset_type,
        assetState: b.asset_state,
        tags: b.tags,
        assetExtraMeta: b.asset_extra_meta,
        systemProperties: b.system_properties,
        assetOrder: b.asset_order,
        supportedService: b.supported_service,
        autoOperationConfig: b.auto_operation_config,
        reviewConfig: b.review_config,
        sharedConfig: b.shared_config,
      });
      return presentAsset(asset, files, (f, a) => deps.files.downloadUrl(f, a), copy);
    },
  );
}
