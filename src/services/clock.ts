/** Time source, injectable so tests can move time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** ISO-8601 UTC with milliseconds: sorts as text in both SQLite and PostgreSQL. */
export const isoTime = (date: Date): string => date.toISOString();
