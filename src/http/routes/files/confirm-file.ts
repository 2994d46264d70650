import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { stringEnum } from '../../../domain/schema-parts.js';
import { EmptyObject, FileParams, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.post(
    '/v1/:project_id/files/:file_id/complete',
    {
      config: { operation: 'file.confirm' },
      schema: {
        operationId: 'ConfirmFileUpload',
        tags: ['files'],
        params: FileParams,
        body: Type.Object({ state: stringEnum(['CREATED', 'FAILED', 'CANCELLED'] as const) }),
        response: withErrors(EmptyObject),
      },
    },
    async (request) => {
      await deps.files.confirm(principalOf(request), request.params.file_id, request.body.state);
      return {};
    },
  );
}
