import { AppError } from '../../../domain/errors.js';
import type { AppInstance } from '../../types.js';
import { serveFile } from '../../serve-file.js';
import { FileParams } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

/**
 * Region A serves a file to the region copying it. The capability comes in a header only
 * (never a query string, which ends up in logs), and is checked with the asset's state at
 * every request.
 */
export default function register(app: AppInstance, deps: RouteDeps): void {
  app.get(
    '/replication/v1/projects/:project_id/files/:file_id',
    {
      config: { operation: 'replication.file.serve', public: true },
      schema: { operationId: 'ServeReplicatedFile', tags: ['replication'], params: FileParams },
    },
    async (request, reply) => {
      if (request.url.includes('?')) throw new AppError('capabilityRefused', 'capabilities are accepted in the X-Replication-Capability header only');
      const header = (name: string) => {
        const v = request.headers[name];
        return typeof v === 'string' ? v : undefined;
      };
      const file = await deps.replication.authorizePeerDownload({
        projectId: request.params.project_id,
        fileId: request.params.file_id,
        capability: header('x-replication-capability'),
        targetRegion: header('x-replication-region'),
      });
      return serveFile(request, reply, file, deps.files, (n) => deps.metrics.replicationBytesServed.inc(n));
    },
  );
}
