import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { AssetParams, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

export const EncryptionInfo = Type.Object({ algorithm: Type.String(), key_id: Type.String(), iv: Type.String() });

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.get(
    '/v1/:project_id/digital-assets/:asset_id/replication-info',
    {
      config: { operation: 'asset.replication.export' },
      schema: {
        operationId: 'ShowAssetReplicationInfo',
        tags: ['replication'],
        params: AssetParams,
        response: withErrors(
          Type.Object({ asset_id: Type.String(), asset_info: Type.String(), encryption_info: EncryptionInfo, expire_time: Type.Integer({ description: 'Unix seconds' }) }),
        ),
      },
    },
    async (request) => deps.replication.export(principalOf(request), request.params.asset_id),
  );
}
