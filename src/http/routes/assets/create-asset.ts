import { Type } from '@sinclair/typebox';
import { createInputFromBody } from '../../../domain/asset-fields.js';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { createBodyProperties } from '../../schemas/asset-fields.js';
import { ProjectParams, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

const CreateAssetBody = Type.Object(createBodyProperties);

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
      const created = await deps.assets.create(principalOf(request), createInputFromBody(request.body));
      return { asset_id: created.assetId, produce_id: created.produceId };
    },
  );
}
