import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { Id, ProjectParams, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

const Summary = Type.Object({
  asset_id: Type.String(),
  asset_name: Type.String(),
  asset_state: Type.String(),
  asset_type: Type.String(),
  block_reason_code: Type.Optional(Type.String()),
  cover_url: Type.Optional(Type.String()),
  thumbnail_url: Type.Optional(Type.String()),
});

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.post(
    '/v1/:project_id/digital-assets/summarys',
    {
      config: { operation: 'asset.summary' },
      schema: {
        operationId: 'ListAssetSummary',
        tags: ['assets'],
        params: ProjectParams,
        body: Type.Object({ asset_ids: Type.Array(Id, { minItems: 1, maxItems: 100 }) }),
        response: withErrors(Type.Object({ asset_list: Type.Array(Summary) })),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const assets = await deps.assets.summaries(principal, [...new Set(request.body.asset_ids)]);
      const covers = await deps.files.coverUrls(principal, assets);
      return {
        asset_list: assets.map((a) => ({
          asset_id: a.assetId,
          asset_name: a.assetName,
          asset_state: a.assetState,
          asset_type: a.assetType,
          block_reason_code: a.blockReasonCode ?? undefined,
          cover_url: covers.get(a.assetId)?.cover,
          thumbnail_url: covers.get(a.assetId)?.thumbnail,
        })),
      };
    },
  );
}
