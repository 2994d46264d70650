import { Type, type Static, type TObject, type TOptional, type TSchema } from '@sinclair/typebox';
import { fieldEntries, isNullable, type AssetFields, type AssetFieldValues, type ChangeSchema, type FieldDescription, type IsNullable } from '../../domain/asset-fields.js';

/** Route schemas built from the asset field table (`domain/asset-fields.ts`). */

type F = AssetFields;

type CreateProps = { [K in keyof F as F[K]['api']]: F[K]['create'] extends 'required' ? F[K]['input'] : TOptional<F[K]['input']> };
type UpdateProps = { [K in keyof F as F[K]['update'] extends 'no' ? never : F[K]['api']]: TOptional<ChangeSchema<K>> };
type OutputProps = {
  [K in keyof F as F[K] extends { output: TSchema } ? F[K]['api'] : never]: F[K] extends { output: infer O extends TSchema }
    ? IsNullable<K> extends true ? TOptional<O> : O
    : never;
};

function properties(pick: (f: FieldDescription) => TSchema | undefined): Record<string, TSchema> {
  const props: Record<string, TSchema> = {};
  for (const [, f] of fieldEntries) {
    const schema = pick(f);
    if (schema) props[f.api] = schema;
  }
  return props;
}

/** CreateDigitalAsset's body: every field a create accepts. */
export const createBodyProperties = properties((f) => (f.create === 'required' ? f.input : Type.Optional(f.input))) as CreateProps;

/** UpdateDigitalAsset's body fields: every field an update accepts, each optional. */
export const updateBodyProperties = properties((f) => {
  if (f.update === 'no') return undefined;
  return Type.Optional(f.update === 'replace' ? f.input : f.update.change);
}) as UpdateProps;

/** The asset fields of DigitalAssetInfo; unset (null) fields are left out. */
export const fieldOutputProperties = properties((f) => f.output && (isNullable(f) ? Type.Optional(f.output) : f.output)) as OutputProps;

/** An asset's fields as DigitalAssetInfo shows them. */
export function presentFields(asset: AssetFieldValues): Static<TObject<OutputProps>> {
  const out: Record<string, unknown> = {};
  for (const [key, f] of fieldEntries) {
    if (!f.output) continue;
    const value = (asset as Record<string, unknown>)[key];
    out[f.api] = value === null ? undefined : value;
  }
  return out as Static<TObject<OutputProps>>;
}
