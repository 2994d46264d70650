import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { FileCategory, FileName, FileType, Id, ProjectParams, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

/** Base64 of a 128-bit MD5 (RFC 1864): 22 characters and `==`. */
const Md5Base64 = Type.String({ pattern: '^[A-Za-z0-9+/]{21}[AQgw]==$', description: 'base64 of the MD5 digest' });

const CreateFileBody = Type.Object({
  file_name: FileName,
  file_md5: Md5Base64,
  file_size: Type.Integer({ minimum: 1, maximum: 5_368_709_120 }),
  file_type: Type.Optional(FileType),
  asset_id: Id,
  asset_file_category: Type.Optional(FileCategory),
});

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.post(
    '/v1/:project_id/files',
    {
      config: { operation: 'file.create' },
      schema: {
        operationId: 'CreateFile',
        tags: ['files'],
        params: ProjectParams,
        body: CreateFileBody,
        response: withErrors(Type.Object({ file_id: Type.String(), upload_url: Type.String() })),
      },
    },
    async (request) => {
      const b = request.body;
      const created = await deps.files.create(principalOf(request), {
        assetId: b.asset_id,
        fileName: b.file_name,
        fileMd5: b.file_md5,
        fileSize: b.file_size,
        fileType: b.file_type,
        category: b.asset_file_category,
      });
      return { file_id: created.fileId, upload_url: created.uploadUrl };
    },
  );
}
