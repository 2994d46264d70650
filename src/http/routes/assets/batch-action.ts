import { Type } from '@sinclair/typebox';
import { AppError } from '../../../domain/errors.js';
import { SharedConfigInput } from '../../../domain/sharing.js';
import { batchActions, executeBatchAction, type BatchAction, type BatchOptions } from '../../../services/batch-action.js';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { stringEnum } from '../../../domain/schema-parts.js';
import { Id, ProjectParams, withErrors } from '../../schemas/common.js';
import { valueChecker } from '../../validation.js';
import type { RouteDeps } from '../deps.js';

const Result = Type.Object({
  ret_status: Type.String(),
  asset_ids: Type.Array(Type.String()),
  error_info: Type.Optional(Type.Object({ error_code: Type.String(), error_msg: Type.String() })),
});

const checkSharedConfig = valueChecker(SharedConfigInput);

/** SHARE and UNSHARE read `params` as the JSON text of a `shared_config`; the other actions take none. */
function optionsOf(action: BatchAction, params: string | undefined): BatchOptions {
  if ((action !== 'SHARE' && action !== 'UNSHARE') || params === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(params);
  } catch {
    throw new AppError('invalidParameter', `params of ${action} is not JSON text of a shared_config`);
  }
  const checked = checkSharedConfig(value);
  if (!checked.ok) throw new AppError('invalidParameter', `params of ${action} (shared_config): ${checked.problem}`);
  return { sharedConfig: checked.value };
}

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.post(
    '/v1/:project_id/digital-assets/batch-action',
    {
      config: { operation: 'asset.batch' },
      schema: {
        operationId: 'BatchExecuteAssetAction',
        tags: ['assets'],
        params: ProjectParams,
        body: Type.Object({
          action: stringEnum(batchActions),
          asset_ids: Type.Array(Id, { minItems: 1, maxItems: 100 }),
          params: Type.Optional(
            Type.String({
              maxLength: 65_536,
              description: 'SHARE: a shared_config as JSON text; UNSHARE: optionally {"allowed_project_ids": [...]} to remove only those projects',
            }),
          ),
        }),
        response: withErrors(Type.Object({ results: Type.Array(Result) })),
      },
    },
    async (request) => {
      const { action, asset_ids: assetIds, params } = request.body;
      const results = await executeBatchAction(deps.assets, principalOf(request), action, assetIds, optionsOf(action, params));
      return {
        results: results.map((r) => ({
          ret_status: r.retStatus,
          asset_ids: r.assetIds,
          error_info: r.error ? { error_code: r.error.code, error_msg: r.error.message } : undefined,
        })),
      };
    },
  );
}
