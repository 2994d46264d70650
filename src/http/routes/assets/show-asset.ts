import type { FastifyReply } from 'fastify';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { presentFor } from '../../presenters.js';
import { AssetParams, DigitalAssetInfo, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

/** An answer serialized already (by this route's response schema), sent as it is. */
const sendSerialized = (reply: FastifyReply, body: string): FastifyReply => reply.type('application/json; charset=utf-8').send(body);

/**
 * The caller's own asset, or another project's asset shared with the caller's project (same
 * path, same id). The own project's answer is kept serialized (`ShowCache`) and served again
 * while the asset's stamp, read from the database first on every request, is unchanged.
 */
export default function register(app: AppInstance, deps: RouteDeps): void {
  const hits = deps.metrics.showCache.labels('hit');
  const misses = deps.metrics.showCache.labels('miss');
  app.get(
    '/v1/:project_id/digital-assets/:asset_id',
    {
      config: { operation: 'asset.show' },
      schema: { operationId: 'ShowAsset', tags: ['assets'], params: AssetParams, response: withErrors(DigitalAssetInfo) },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const assetId = request.params.asset_id;
      const cache = deps.showCache;
      // Read before the answer is built: a change racing the build leaves the entry under an
      // older stamp, which the next request does not match (never a newer stamp on older data).
      const stamp = cache.enabled ? await deps.assets.showStamp(principal, assetId) : undefined;
      if (stamp !== undefined) {
        const kept = cache.get(principal.projectId, assetId, stamp);
        if (kept && (principal.appUserId === undefined || kept.appUserId === principal.appUserId)) {
          hits.inc();
          return sendSerialized(reply, kept.body);
        }
        misses.inc();
      }
      const item = await deps.assets.view(principal, assetId);
      const info = presentFor(principal, item, deps.files);
      // Only the own project's answer is kept: a shared one depends on the share and the viewer.
      if (stamp === undefined || item.sharedUntil !== undefined || item.asset.projectId !== principal.projectId) return info;
      const body = reply.serialize(info) as string;
      cache.set(principal.projectId, assetId, stamp, body, item.asset.appUserId);
      return sendSerialized(reply, body);
    },
  );
}
