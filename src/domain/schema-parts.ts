import { Type } from '@sinclair/typebox';

/**
 * TypeBox building blocks shared by the asset field table (`asset-fields.ts`) and the HTTP
 * layer's schemas. TypeBox gives both the JSON schema and the TypeScript type of a value.
 */

/** A string enum as a plain `enum` schema (the OpenAPI document shows the values). */
export const stringEnum = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], description });

/** Any JSON object, kept as sent. */
export const FreeObject = Type.Unsafe<Record<string, unknown>>(Type.Object({}, { additionalProperties: true }));
