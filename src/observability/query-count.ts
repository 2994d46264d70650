import { AsyncLocalStorage } from 'node:async_hooks';

/** The database queries one request has made so far. */
export interface QueryTally {
  queries: number;
}

const current = new AsyncLocalStorage<QueryTally>();

/** Runs `next` (the rest of a request's handling) with `tally` counting its queries. */
export function countQueriesOf(tally: QueryTally, next: () => void): void {
  current.run(tally, next);
}

/** Counts one query against the request it serves (queries of background work count nowhere). */
export function countQuery(): void {
  const tally = current.getStore();
  if (tally) tally.queries += 1;
}
