import type { Readable } from 'node:stream';
import type { AppInstance } from '../../types.js';
import { AppError } from '../../../domain/errors.js';
import { EmptyObject, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';
import { BlobParams, UploadQuery } from './blob-params.js';

const contentMd5Of = (value: string | string[] | undefined): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new AppError('invalidParameter', 'Content-MD5 given more than once');
  return value.trim();
};

/** PUT of the file's bytes (or of one part of a large file) to its signed upload URL; any Content-Type, streamed. */
export default function register(app: AppInstance, deps: RouteDeps): void {
  // Bytes of any type pass through as a stream, in this plugin scope only.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.put(
    '/blobs/upload/:project_id/:file_id',
    {
      bodyLimit: 5_368_709_120 + 1,
      config: { operation: 'file.upload', public: true },
      schema: { operationId: 'UploadFileContent', tags: ['files'], params: BlobParams, querystring: UploadQuery, response: withErrors(EmptyObject) },
    },
    async (request) => {
      const length = request.headers['content-length'];
      const { part } = request.query;
      if (part !== undefined) {
        await deps.files.uploadPart({
          projectId: request.params.project_id,
          fileId: request.params.file_id,
          part,
          expires: request.query.expires,
          signature: request.query.signature,
          contentLength: length === undefined ? undefined : Number(length),
          body: (request.body as Readable | undefined) ?? request.raw,
        });
        return {};
      }
      await deps.files.upload({
        projectId: request.params.project_id,
        fileId: request.params.file_id,
        expires: request.query.expires,
        signature: request.query.signature,
        contentMd5: contentMd5Of(request.headers['content-md5']),
        contentLength: length === undefined ? undefined : Number(length),
        body: (request.body as Readable | undefined) ?? request.raw,
      });
      return {};
    },
  );
}
