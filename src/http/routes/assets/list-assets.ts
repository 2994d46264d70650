import { Type } from '@sinclair/typebox';
import { assetSortKeys, assetStates, assetTypes, type AssetState, type AssetType } from '../../../domain/asset.js';
import { copyTaskStates, type CopyTaskState } from '../../../domain/copy-task.js';
import { AppError } from '../../../domain/errors.js';
import type { AppInstance } from '../../types.js';
import { principalOf } from '../../types.js';
import { enumList } from '../../comma-list.js';
import { presentFor } from '../../presenters.js';
import { stringEnum } from '../../../domain/schema-parts.js';
import { DigitalAssetInfo, Id, ProjectParams, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';
import { replicaStates, type ReplicaState } from '../../../domain/replication-rule.js';

const ListAssetsQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  tag: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  accurate_query_field: Type.Optional(
    Type.Array(stringEnum(['name', 'tag'] as const), { maxItems: 2, description: 'filters matched exactly instead of by substring' }),
  ),
  asset_type: Type.Optional(Type.String({ maxLength: 512, description: 'comma-separated asset types' })),
  asset_state: Type.Optional(Type.String({ maxLength: 256, description: 'comma-separated states' })),
  asset_id: Type.Optional(Type.Array(Id, { maxItems: 100 })),
  copy_state: Type.Optional(
    Type.String({
      maxLength: 64,
      description: `comma-separated copy states (${copyTaskStates.join(', ')}): only incoming copies, assets a cross-region copy makes in this region, whose copy is in one of them`,
    }),
  ),
  app_user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  system_property: Type.Optional(Type.String({ maxLength: 512, description: 'KEY or KEY:VALUE, comma-separated' })),
  start_time: Type.Optional(Type.String({ format: 'date-time' })),
  end_time: Type.Optional(Type.String({ format: 'date-time' })),
  sort_key: Type.Optional(stringEnum(assetSortKeys, 'default create_time; asset_order lists assets without an order last, equal orders newest first')),
  sort_dir: Type.Optional(stringEnum(['asc', 'desc'] as const, 'default asc')),
  role: Type.Optional(stringEnum(['SHARER', 'SHAREE'] as const, 'SHARER: assets this project shares; SHAREE: assets shared with it')),
  replication_state: Type.Optional(Type.String({ maxLength: 64, description: 'comma-separated PENDING, COPYING, COMPLETED, FAILED: assets with a replica (under a replication rule) in one of these states' })),
});

function systemPropertyFilter(raw: string | undefined): { key: string; value?: string }[] | undefined {
  if (raw === undefined) return undefined;
  return raw.split(',').map((item) => {
    const [key, ...rest] = item.split(':');
    if (!key) throw new AppError('invalidParameter', 'system_property: expected KEY or KEY:VALUE items');
    return rest.length ? { key, value: rest.join(':') } : { key };
  });
}

const isoOf = (value: string | undefined): string | undefined => (value === undefined ? undefined : new Date(value).toISOString());

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.get(
    '/v1/:project_id/digital-assets',
    {
      config: { operation: 'asset.list' },
      schema: {
        operationId: 'ListAssets',
        tags: ['assets'],
        params: ProjectParams,
        querystring: ListAssetsQuery,
        response: withErrors(Type.Object({ count: Type.Integer(), assets: Type.Array(DigitalAssetInfo) })),
      },
    },
    async (request) => {
      const q = request.query;
      const principal = principalOf(request);
      const { count, items } = await deps.assets.list(principal, {
        limit: q.limit,
        offset: q.offset,
        name: q.name,
        tag: q.tag,
        accurateFields: q.accurate_query_field,
        assetTypes: enumList<AssetType>('asset_type', q.asset_type, assetTypes),
        assetStates: enumList<AssetState>('asset_state', q.asset_state, assetStates),
        assetIds: q.asset_id,
        copyStates: enumList<CopyTaskState>('copy_state', q.copy_state, copyTaskStates),
        appUserId: q.app_user_id,
        systemProperties: systemPropertyFilter(q.system_property),
        startTime: isoOf(q.start_time),
        endTime: isoOf(q.end_time),
        sortKey: q.sort_key ?? 'create_time',
        sortDir: q.sort_dir ?? 'asc',
        role: q.role,
        replicationStates: enumList<ReplicaState>('replication_state', q.replication_state, replicaStates),
      });
      return { count, assets: items.map((item) => presentFor(principal, item, deps.files)) };
    },
  );
}
