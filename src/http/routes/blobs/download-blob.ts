import type { AppInstance } from '../../types.js';
import { serveFile } from '../../serve-file.js';
import type { RouteDeps } from '../deps.js';
import { BlobParams, DownloadQuery } from './blob-params.js';

/** GET (and HEAD) of a file through its signed download URL: Range (206) and a strong ETag. */
export default function register(app: AppInstance, deps: RouteDeps): void {
  app.get(
    '/blobs/download/:project_id/:file_id',
    {
      config: { operation: 'file.download', public: true },
      schema: { operationId: 'DownloadFileContent', tags: ['files'], params: BlobParams, querystring: DownloadQuery },
    },
    async (request, reply) => {
      const file = await deps.files.authorizeDownload({
        projectId: request.params.project_id,
        fileId: request.params.file_id,
        expires: request.query.expires,
        signature: request.query.signature,
        via: request.query.via,
      });
      return serveFile(request, reply, file, deps.files);
    },
  );
}
