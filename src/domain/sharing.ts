import { Type, type Static } from '@sinclair/typebox';
import { idPattern } from './ids.js';
import { stringEnum } from './schema-parts.js';

/**
 * Sharing an asset with other projects of its region (docs/api-behaviour.md, "Sharing").
 * `PRIVATE`: the owner's project only. `SHARED`: also the projects listed, until
 * `expire_time`. `PUBLIC`: every project; reserved to the operator (no account sets it).
 */
export const sharedTypes = ['PRIVATE', 'PUBLIC', 'SHARED'] as const;
export type SharedType = (typeof sharedTypes)[number];

/** Most projects one asset is shared with. */
export const maxShareProjects = 100;

/** `shared_config` as CreateDigitalAsset, UpdateDigitalAsset and the SHARE batch action accept it. */
export const SharedConfigInput = Type.Object({
  shared_type: Type.Optional(stringEnum(sharedTypes, 'default: SHARED when allowed_project_ids is not empty, else PRIVATE')),
  expire_time: Type.Optional(Type.String({ format: 'date-time', description: 'default: the share day + 30 days, 23:59:59 UTC' })),
  allowed_project_ids: Type.Optional(
    Type.Array(Type.String({ pattern: idPattern }), { maxItems: maxShareProjects, description: 'projects of this region' }),
  ),
});
export type SharedConfigInput = Static<typeof SharedConfigInput>;

/**
 * `shared_config` as stored, once checked: `PRIVATE` alone, or `SHARED` with its projects
 * (distinct, each a project of the region other than the owner's) and its expiry
 * (`YYYY-MM-DDTHH:MM:SSZ`, in the future when it was set).
 */
export type SharedConfig = { shared_type: 'PRIVATE' } | { shared_type: 'SHARED'; expire_time: string; allowed_project_ids: string[] };

/** MetaStudio's default expiry: the share day + 30 days, at 23:59:59 UTC. */
export const defaultShareExpiry = (sharedAt: Date): Date =>
  new Date(Date.UTC(sharedAt.getUTCFullYear(), sharedAt.getUTCMonth(), sharedAt.getUTCDate() + 30, 23, 59, 59));

/** The projects a stored config shares with and until when; none for anything else (PRIVATE, unset, older shapes). */
export function shareOf(config: unknown): { projectIds: string[]; expiresAt: Date } | undefined {
  const c = config as Partial<{ shared_type: string; expire_time: string; allowed_project_ids: string[] }> | null;
  if (c?.shared_type !== 'SHARED' || !Array.isArray(c.allowed_project_ids) || typeof c.expire_time !== 'string') return undefined;
  const expiresAt = new Date(c.expire_time);
  return Number.isNaN(expiresAt.getTime()) ? undefined : { projectIds: c.allowed_project_ids, expiresAt };
}

/** Until when `config` lets `projectId` read the asset, if it does at `now`. */
export function shareExpiryFor(config: unknown, projectId: string, now: Date): Date | undefined {
  const share = shareOf(config);
  return share && share.projectIds.includes(projectId) && share.expiresAt > now ? share.expiresAt : undefined;
}
