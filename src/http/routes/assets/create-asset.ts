import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { AssetType, FreeObject, ProjectParams, SystemProperty, Tags, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

export const CreateAssetBody = Type.Object({
  asset_name: Type.String({ minLength: 1, maxLength: 256 }),
  asset_description: Type.Optional(Type.String({ maxLength: 1024 })),
  asset_type: AssetType,
  review_config: Type.Optional(Type.Object({ no_need_review: Type.Optional(Type.Boolean()) })),
  tags: Type.Optional(Tags),
  asset_extra_meta: Type.Optional(FreeObject),
  system_properties: Type.Optional(Type.Array(SystemProperty, { maxItems: 50 })),
  shared_config: Type.Optional(FreeObject),
  is_need_generate_cover: Type.Optional(Type.Boolean()),
  asset_order: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })),
  supported_service: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 20 })),
  auto_operation_config: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 20 })),
});

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.post(
    '/v1/:project_id/digital-assets',
    {
      config: { operation: 'asset.create' },
      schema: {
        operationId: 'CreateDigitalAsset',
        tags: ['assets'],
        params: ProjectParams,
        body: CreateAssetBody,
        response: withErrors(Type.Object({ asset_id: Type.String(), produce_id: Type.String() })),
      },
    },
    async (request) => {
      const b = request.body;
      const created = await deps.assets.create(principalOf(request), {
        assetName: b.asset_name,
        assetType: b.asset_type,
        assetDescription: b.asset_description,
        tags: b.tags,
        assetExtraMeta: b.asset_extra_meta,
        systemProperties: b.system_properties,
        assetOrder: b.asset_order,
        supportedService: b.supported_service,
        autoOperationConfig: b.auto_operation_config,
        reviewConfig: b.review_config,
        sharedConfig: b.shared_config,
      });
      return { asset_id: created.assetId, produce_id: created.produceId };
    },
  );
}
