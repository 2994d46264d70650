/** ISO-8601 UTC with milliseconds: sorts as text in both SQLite and PostgreSQL. */
export const isoTime = (date: Date): string => date.toISOString();

/** Seconds precision with a `Z` suffix, as MetaStudio shows times (`2026-11-28T08:00:00Z`). */
export const secondsTime = (date: Date): string => `${date.toISOString().slice(0, 19)}Z`;
