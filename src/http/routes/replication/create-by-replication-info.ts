import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { Id, ProjectParams, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

const Body = Type.Object({
  asset_id: Id,
  asset_info: Type.String({ minLength: 1, maxLength: 1_048_576 }),
  encryption_info: Type.Object({
    algorithm: Type.String({ minLength: 1, maxLength: 32 }),
    // The SDK types key_id as a string; MetaStudio's example sends a number: accept both.
    key_id: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Integer({ minimum: 0, maximum: 2 ** 53 - 1 })]),
    iv: Type.String({ minLength: 1, maxLength: 64 }),
  }),
});

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.post(
    '/v1/:project_id/digital-assets-by-replication-info',
    {
      config: { operation: 'asset.replication.import' },
      schema: {
        operationId: 'CreateAssetByReplicationInfo',
        tags: ['replication'],
        params: ProjectParams,
        body: Body,
        response: withErrors(Type.Object({ asset_id: Type.String(), asset_state: Type.String() })),
      },
    },
    async (request) => {
      const b = request.body;
      const result = await deps.replication.import(
        principalOf(request),
        { asset_id: b.asset_id, asset_info: b.asset_info, encryption_info: { ...b.encryption_info, key_id: String(b.encryption_info.key_id) } },
        request.id,
      );
      return { asset_id: result.assetId, asset_state: result.assetState };
    },
  );
}
