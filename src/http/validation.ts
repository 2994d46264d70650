import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const base: Options = { allErrors: false, useDefaults: true, removeAdditional: false, strict: false };

/**
 * Bodies are validated as sent (a number given as a string is a wrong type); path and query
 * values arrive as text and are coerced.
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strictAjv = new Ajv({ ...base, coerceTypes: false });
  const coercingAjv = new Ajv({ ...base, coerceTypes: 'array' });
  addFormats.default(strictAjv);
  addFormats.default(coercingAjv);
  return ({ schema, httpPart }) => (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema as object);
}

/**
 * A check of a value against a schema by the body rules, for JSON carried inside a body (such
 * as a batch action's `params`): the first problem as text, or nothing.
 */
export function valueChecker<T extends TSchema>(schema: T): (value: unknown) => { ok: true; value: Static<T> } | { ok: false; problem: string } {
  const ajv = new Ajv({ ...base, coerceTypes: false });
  addFormats.default(ajv);
  const check = ajv.compile(schema);
  return (value) => {
    if (check(value)) return { ok: true, value: value as Static<T> };
    const first = check.errors?.[0];
    return { ok: false, problem: `${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}` };
  };
}
