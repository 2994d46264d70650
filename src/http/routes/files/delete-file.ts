import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { EmptyObject, FileParams, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.delete(
    '/v1/:project_id/files/:file_id',
    {
      config: { operation: 'file.delete' },
      schema: { operationId: 'DeleteFile', tags: ['files'], params: FileParams, response: withErrors(EmptyObject) },
    },
    async (request) => {
      await deps.files.delete(principalOf(request), request.params.file_id);
      return {};
    },
  );
}
