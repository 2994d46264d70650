import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { stringEnum } from '../../../domain/schema-parts.js';
import { maxPartCount } from '../../../domain/large-file.js';
import { FileName, FileType, Id, ProjectParams, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

const CreateLargeFileBody = Type.Object({
  file_name: FileName,
  // The region's limit (ASSETBRIDGE_MAX_LARGE_FILE_SIZE) is checked by the service.
  file_size: Type.Optional(Type.Integer({ minimum: 1, description: 'required when file_multipart_count is over 1' })),
  file_type: Type.Optional(FileType),
  asset_id: Id,
  asset_file_category: Type.Optional(stringEnum(['MAIN', 'OTHER', 'PACKAGE'] as const)),
  file_multipart_count: Type.Optional(Type.Integer({ minimum: 1, maximum: maxPartCount })),
});

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.post(
    '/v1/:project_id/large-files',
    {
      config: { operation: 'file.create_large' },
      schema: {
        operationId: 'CreateLargeFile',
        tags: ['files'],
        params: ProjectParams,
        body: CreateLargeFileBody,
        response: withErrors(Type.Object({ file_id: Type.String(), upload_urls: Type.Array(Type.String()) })),
      },
    },
    async (request) => {
      const b = request.body;
      const created = await deps.files.createLarge(principalOf(request), {
        assetId: b.asset_id,
        fileName: b.file_name,
        fileSize: b.file_size,
        fileType: b.file_type,
        category: b.asset_file_category,
        partCount: b.file_multipart_count,
      });
      return { file_id: created.fileId, upload_urls: created.uploadUrls };
    },
  );
}
