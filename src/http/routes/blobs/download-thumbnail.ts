import type { AppInstance } from '../../types.js';
import type { RouteDeps } from '../deps.js';
import { BlobParams, DownloadQuery } from './blob-params.js';

/** GET of the thumbnail made from an image's MAIN file, through its signed URL (ListAssetSummary's `thumbnail_url`). */
export default function register(app: AppInstance, deps: RouteDeps): void {
  app.get(
    '/blobs/thumbnail/:project_id/:file_id',
    {
      config: { operation: 'file.thumbnail', public: true },
      schema: { operationId: 'DownloadThumbnail', tags: ['files'], params: BlobParams, querystring: DownloadQuery },
    },
    async (request, reply) => {
      const file = await deps.files.authorizeDownload(
        { projectId: request.params.project_id, fileId: request.params.file_id, expires: request.query.expires, signature: request.query.signature, via: request.query.via },
        'thumbnail',
      );
      const content = await deps.files.openThumbnail(file);
      return reply.header('Content-Type', 'image/jpeg').header('Cache-Control', 'private, no-store').send(content);
    },
  );
}
