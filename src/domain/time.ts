/** ISO-8601 UTC with milliseconds: sorts as text in both SQLite and PostgreSQL. */
export const isoTime = (date: Date): string => date.toISOString();
