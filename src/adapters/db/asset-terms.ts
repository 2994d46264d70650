import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * The rows that index an asset's tags and system properties for ListAssets (`asset_tags`,
 * `asset_properties`), and each project's tag vocabulary (`project_tags`: every tag the
 * project has used, searched by substring before the tag rows are looked up by equality; it
 * only grows, and a tag no asset carries any more matches nothing). The asset row's JSON stays
 * the truth; these rows are rewritten with it, in the same transaction. Each row also holds its
 * asset's state and creation time (what every list filters and sorts by), copied from the asset
 * row when written and kept by triggers on `assets` (migration 017) when the asset changes.
 */

/**
 * An asset's tags as one text: distinct, sorted, one per line (whatever order the JSON holds
 * them in), with its SHA-256 digest as the key of the project's tag-set counts. A substring
 * without a line break is in this text exactly when it is in one of the tags.
 */
export function tagSetOf(tags: readonly string[]): { tag_set: string; tag_set_key: string } {
  const text = [...new Set(tags)].sort().join('\n');
  return { tag_set: text, tag_set_key: createHash('sha256').update(text).digest('hex') };
}

/** The asset's state and creation time, for its term rows (none when the asset is not stored). */
const listedAs = (db: Kysely<Database>, projectId: string, assetId: string) =>
  db.selectFrom('assets').select(['asset_state', 'created_at']).where('project_id', '=', projectId).where('asset_id', '=', assetId).executeTakeFirst();

/**
 * What term rows copy of their asset (read from the asset row when not given). Given only for
 * an asset inserted in the caller's transaction: it has no rows to replace yet (an asset row
 * leaves with its term rows: `unindexAsset`, `moveTerms`).
 */
export interface Listed {
  asset_state: string;
  created_at: string;
}

/** Replaces the tag rows of one asset (and adds its tags to the project's vocabulary). */
export async function indexTags(db: Kysely<Database>, projectId: string, assetId: string, tags: readonly string[], given?: Listed): Promise<void> {
  if (!given) await db.deleteFrom('asset_tags').where('project_id', '=', projectId).where('asset_id', '=', assetId).execute();
  // In one order everywhere: on PostgreSQL each row locks its count (migration 017) until commit.
  const distinct = [...new Set(tags)].sort();
  if (distinct.length === 0) return;
  const listed = given ?? (await listedAs(db, projectId, assetId));
  if (!listed) return;
  await db.insertInto('asset_tags').values(distinct.map((tag) => ({ project_id: projectId, asset_id: assetId, tag, ...listed }))).execute();
  await db.insertInto('project_tags').values(distinct.map((tag) => ({ project_id: projectId, tag }))).onConflict((oc) => oc.doNothing()).execute();
}

/** Replaces the system-property rows of one asset. */
export async function indexProperties(
  db: Kysely<Database>,
  projectId: string,
  assetId: string,
  properties: readonly { key: string; value?: string | null }[],
  given?: Listed,
): Promise<void> {
  if (!given) await db.deleteFrom('asset_properties').where('project_id', '=', projectId).where('asset_id', '=', assetId).execute();
  const distinct = [...new Map(properties.map((p) => [`${p.key}\u0000${p.value ?? ''}`, { key: p.key, value: p.value ?? '' }])).entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, p]) => p);
  if (distinct.length === 0) return;
  const listed = given ?? (await listedAs(db, projectId, assetId));
  if (!listed) return;
  await db
    .insertInto('asset_properties')
    .values(distinct.map((p) => ({ project_id: projectId, asset_id: assetId, prop_key: p.key, prop_value: p.value, ...listed })))
    .execute();
}

/** Removes every term row of one asset (the vocabulary stays). */
export async function unindexAsset(db: Kysely<Database>, projectId: string, assetId: string): Promise<void> {
  await indexTags(db, projectId, assetId, []);
  await indexProperties(db, projectId, assetId, []);
}

/** Moves the term rows of one asset to another project (whose vocabulary gains its tags). */
export async function moveTerms(db: Kysely<Database>, fromProjectId: string, toProjectId: string, assetId: string): Promise<void> {
  const tags = await db.selectFrom('asset_tags').select('tag').where('project_id', '=', fromProjectId).where('asset_id', '=', assetId).execute();
  const properties = await db
    .selectFrom('asset_properties')
    .select(['prop_key as key', 'prop_value as value'])
    .where('project_id', '=', fromProjectId)
    .where('asset_id', '=', assetId)
    .execute();
  await unindexAsset(db, fromProjectId, assetId);
  await indexTags(db, toProjectId, assetId, tags.map((t) => t.tag));
  await indexProperties(db, toProjectId, assetId, properties);
}
