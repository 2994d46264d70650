import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { assetTypes, type Asset, type SystemProperty } from './asset.js';
import { newId } from './ids.js';
import { keepSystemMeta } from './media-meta.js';
import { FreeObject, stringEnum } from './schema-parts.js';
import { AutoOperationInput, maxScheduledOperations } from './scheduled-operation.js';
import { SharedConfigInput } from './sharing.js';

/**
 * The user-editable fields of an asset, in one table: adding a field is one entry here (and a
 * migration for its column). The route schemas (create and update bodies, DigitalAssetInfo),
 * the mapping from a body to the service input and to the stored patch, the row mapping and
 * the copied manifest are all built from it.
 */

/** How a field is kept: in a column named as the API names it, or not at all. */
export type FieldStorage = 'text' | 'int' | 'json' | 'ignored';

/** Combines the current value with the change an update sends (for fields not replaced whole). */
export interface FieldMerge<V, C extends TSchema> {
  /** Schema of the change in UpdateDigitalAsset bodies. */
  change: C;
  merge(current: V, change: Static<C>): V;
}

export interface FieldSpec<S extends TSchema> {
  /** The name in request bodies, in DigitalAssetInfo, in the copy manifest, and of its column. */
  api: string;
  /** CreateDigitalAsset: 'required', or 'optional' (then `empty`, or null when there is none). */
  create: 'required' | 'optional';
  /** UpdateDigitalAsset: 'no' (not accepted), 'replace' (the value sent replaces it), or a merge. */
  update: 'no' | 'replace' | FieldMerge<Static<S>, TSchema>;
  /** The value a new asset gets when create does not send it; none: null. */
  empty?: () => Static<S>;
  storage: FieldStorage;
  /** Shown in DigitalAssetInfo with this schema (looser than the input's: values are shown as stored). */
  output?: TSchema;
  /** Carried to other regions by a copy. */
  copied: boolean;
}

/** One field: the schema of the value a client sends, and the rest of its description. */
const field = <S extends TSchema, const R extends FieldSpec<S>>(input: S, rest: R) => ({ input, ...rest });

const merge = <V, C extends TSchema>(change: C, fn: (current: V, change: Static<C>) => V): FieldMerge<V, C> => ({ change, merge: fn });

const SystemPropertySchema = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 64 }),
  value: Type.String({ maxLength: 256 }),
});
const SystemPropertyChange = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 64 }),
  value: Type.String({ maxLength: 256 }),
  action: Type.Optional(stringEnum(['ADD', 'DELETE'] as const)),
});

/** `DELETE` removes the key; `ADD` (or no action) sets it, replacing any value of the same key. */
function applyPropertyActions(current: SystemProperty[], changes: Static<typeof SystemPropertyChange>[]): SystemProperty[] {
  let result = [...current];
  for (const change of changes) {
    result = result.filter((p) => p.key !== change.key);
    if (change.action !== 'DELETE') result.push({ key: change.key, value: change.value });
  }
  return result;
}

/** Keyed by the name the domain uses (`Asset`'s property). */
export const assetFields = {
  assetName: field(Type.String({ minLength: 1, maxLength: 256 }), {
    api: 'asset_name', create: 'required', update: 'replace', storage: 'text', output: Type.String(), copied: true,
  }),
  assetDescription: field(Type.String({ maxLength: 1024 }), {
    api: 'asset_description', create: 'optional', update: 'replace', storage: 'text', output: Type.String(), copied: true,
  }),
  assetType: field(stringEnum(assetTypes), {
    api: 'asset_type', create: 'required', update: 'replace', storage: 'text', output: Type.String(), copied: true,
  }),
  tags: field(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 20 }), {
    api: 'tags', create: 'optional', update: 'replace', empty: () => [], storage: 'json', output: Type.Array(Type.String()), copied: true,
  }),
  // The service fills image_meta / video_meta / audio_meta (`media-meta.ts`); an update replaces the rest.
  assetExtraMeta: field(FreeObject, {
    api: 'asset_extra_meta', create: 'optional', update: merge(FreeObject, keepSystemMeta), empty: () => ({}), storage: 'json', output: FreeObject, copied: true,
  }),
  systemProperties: field(Type.Array(SystemPropertySchema, { maxItems: 50 }), {
    api: 'system_properties',
    create: 'optional',
    update: merge(Type.Array(SystemPropertyChange, { maxItems: 50 }), applyPropertyActions),
    empty: () => [],
    storage: 'json',
    output: Type.Array(SystemPropertySchema),
    copied: true,
  }),
  assetOrder: field(Type.Integer({ minimum: 0, maximum: 2_147_483_647 }), {
    api: 'asset_order', create: 'optional', update: 'replace', storage: 'int', output: Type.Integer(), copied: true,
  }),
  supportedService: field(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 20 }), {
    api: 'supported_service', create: 'optional', update: 'replace', empty: () => [], storage: 'json', output: Type.Array(Type.String()), copied: true,
  }),
  // Checked (new entries lie ahead) and scheduled by the service and the store (`domain/scheduled-operation.ts`).
  autoOperationConfig: field(Type.Array(AutoOperationInput, { maxItems: maxScheduledOperations }), {
    api: 'auto_operation_config', create: 'optional', update: 'replace', empty: () => [], storage: 'json', output: Type.Array(Type.Unknown()), copied: true,
  }),
  // Review and sharing settings belong to the region that holds the asset: not copied.
  reviewConfig: field(Type.Object({ no_need_review: Type.Optional(Type.Boolean()) }), {
    api: 'review_config', create: 'optional', update: 'replace', storage: 'json', output: FreeObject, copied: false,
  }),
  // Checked and completed by the service before it is stored (`services/sharing.ts`).
  sharedConfig: field(SharedConfigInput, {
    api: 'shared_config', create: 'optional', update: 'replace', storage: 'json', output: FreeObject, copied: false,
  }),
  // MetaStudio's flag to generate a cover from the main file: accepted so its clients work,
  // without effect until covers are generated (docs/api-behaviour.md).
  isNeedGenerateCover: field(Type.Boolean(), { api: 'is_need_generate_cover', create: 'optional', update: 'no', storage: 'ignored', copied: false }),
};

export type AssetFields = typeof assetFields;
export type AssetFieldKey = keyof AssetFields;
type Field<K extends AssetFieldKey> = AssetFields[K];

/** Fields the asset stores (all but the accepted-and-ignored ones). */
export type StoredFieldKey = { [K in AssetFieldKey]: Field<K>['storage'] extends 'ignored' ? never : K }[AssetFieldKey];
/** Whether a field may be null: an optional one without an `empty` value, until it is set. */
export type IsNullable<K extends AssetFieldKey> = Field<K> extends { empty: unknown } | { create: 'required' } ? false : true;
export const isNullable = (f: FieldDescription): boolean => f.create === 'optional' && f.empty === undefined;
/** The value of a stored field. */
export type FieldValue<K extends AssetFieldKey> = Static<Field<K>['input']> | (IsNullable<K> extends true ? null : never);
/** The editable part of an `Asset`. */
export type AssetFieldValues = { [K in StoredFieldKey]: FieldValue<K> };

type RequiredKey = { [K in AssetFieldKey]: Field<K>['create'] extends 'required' ? K : never }[AssetFieldKey];
type OptionalKey = Exclude<AssetFieldKey, RequiredKey>;
/** What CreateDigitalAsset accepts, by domain name. */
export type AssetCreateInput = { [K in RequiredKey]: Static<Field<K>['input']> } & { [K in OptionalKey]?: Static<Field<K>['input']> };

type UpdatableKey = { [K in AssetFieldKey]: Field<K>['update'] extends 'no' ? never : K }[AssetFieldKey];
/** The schema of a field's change in UpdateDigitalAsset. */
export type ChangeSchema<K extends AssetFieldKey> = Field<K>['update'] extends { change: infer C extends TSchema } ? C : Field<K>['input'];
/** What UpdateDigitalAsset accepts, by domain name: each field present is changed. */
export type AssetChanges = { [K in UpdatableKey]?: Static<ChangeSchema<K>> };

type CopiedKey = { [K in StoredFieldKey]: Field<K>['copied'] extends true ? K : never }[StoredFieldKey];
/** The copied fields as the sealed manifest carries them (API names). */
export type CopiedFields = { [K in CopiedKey as Field<K>['api']]: FieldValue<K> };

/** One field of the table, seen without its precise types. */
export type FieldDescription = FieldSpec<TSchema> & { input: TSchema };
/** Every field with its domain name, in table order. */
export const fieldEntries = Object.entries(assetFields) as [AssetFieldKey, FieldDescription][];
/** The fields an asset stores. */
export const storedFieldEntries = fieldEntries.filter(([, f]) => f.storage !== 'ignored') as [StoredFieldKey, FieldDescription][];

/** Picks the fields present in an object keyed by API names, under their domain names. */
function fromApiNames(source: Record<string, unknown>, keys: readonly [AssetFieldKey, { api: string }][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, f] of keys) if (source[f.api] !== undefined) out[key] = source[f.api];
  return out;
}

/** A CreateDigitalAsset body (API names) as service input. */
export const createInputFromBody = (body: object): AssetCreateInput => fromApiNames(body as Record<string, unknown>, fieldEntries) as AssetCreateInput;

/** An UpdateDigitalAsset body (API names) as the changes it asks for. */
export const changesFromBody = (body: object): AssetChanges =>
  fromApiNames(body as Record<string, unknown>, fieldEntries.filter(([, f]) => f.update !== 'no'));

/** The patch that applies `changes` to `current` (merged fields combine with their current value). */
export function patchFromChanges(current: AssetFieldValues, changes: AssetChanges): Partial<AssetFieldValues> {
  const patch: Record<string, unknown> = {};
  for (const [key, f] of storedFieldEntries) {
    const change = (changes as Record<string, unknown>)[key];
    if (change === undefined || f.update === 'no') continue;
    patch[key] = f.update === 'replace' ? change : f.update.merge(current[key], change);
  }
  return patch;
}

/** The copied fields of an asset, for the manifest. */
export function copiedFields(asset: AssetFieldValues): CopiedFields {
  const out: Record<string, unknown> = {};
  for (const [key, f] of storedFieldEntries) if (f.copied) out[f.api] = asset[key];
  return out as CopiedFields;
}

/** The copied fields of a manifest as a change to an existing copy (fields it does not carry get their defaults). */
export function copiedPatch(meta: CopiedFields): Partial<AssetFieldValues> {
  const input = fieldsFromCopy(meta) as Record<string, unknown>;
  const patch: Record<string, unknown> = {};
  for (const [key, f] of storedFieldEntries) if (f.copied) patch[key] = input[key] ?? f.empty?.() ?? null;
  return patch;
}

/** Field values from a manifest; fields it does not carry (not copied, or from an older region) get their defaults. */
export const fieldsFromCopy = (meta: CopiedFields): AssetCreateInput =>
  fromApiNames(meta, storedFieldEntries.filter(([, f]) => f.copied)) as AssetCreateInput;

/** Who a new asset belongs to, its id (new when absent) and its creation time (ISO). */
export interface NewAssetOwner {
  projectId: string;
  assetId?: string;
  appUserId: string | null;
  at: string;
}

/** The one constructor of a new asset: CREATING, fields not given take their defaults. */
export function newAsset(owner: NewAssetOwner, input: AssetCreateInput): Asset {
  const values: Record<string, unknown> = {};
  for (const [key, f] of storedFieldEntries) {
    const given = (input as Record<string, unknown>)[key];
    values[key] = given ?? f.empty?.() ?? null;
  }
  return {
    ...(values as AssetFieldValues),
    projectId: owner.projectId,
    assetId: owner.assetId ?? newId(),
    produceId: newId(),
    appUserId: owner.appUserId,
    assetState: 'CREATING',
    stateBeforeDelete: null,
    stateBeforeBlock: null,
    failType: null,
    blockReasonCode: null,
    reason: null,
    createdAt: owner.at,
    updatedAt: owner.at,
    deletedAt: null,
  };
}
