import { AppError } from '../domain/errors.js';

/** A query parameter's comma list, every item checked against an enum (an unknown value is a 400 naming it). */
export function enumList<T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T[] | undefined {
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((s) => s.trim());
  const bad = items.find((i) => !(allowed as readonly string[]).includes(i));
  if (bad !== undefined) throw new AppError('invalidParameter', `${name}: unknown value "${bad}"`);
  return items as T[];
}
