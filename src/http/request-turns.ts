import type { RequestListener } from 'node:http';

/** Requests started per turn of the event loop: a few milliseconds of work at most. */
export const requestsPerTurn = 8;

/**
 * Starts requests a few per turn of the event loop, in arrival order. Node accepts one new
 * connection per turn: when every ready socket's request ran in the same turn (the handlers
 * are mostly synchronous: SQLite answers without waiting), a busy turn lasted as long as all
 * of them, new connections waited in the kernel's accept queue for seconds (a burst of 200
 * connections: some waited past 10 s), and timers (timeouts, the event-loop delay) fired late.
 * Started a few at a time, a turn stays short, and new connections are accepted between turns.
 */
export function inTurns(handler: RequestListener, perTurn: number = requestsPerTurn): RequestListener {
  const waiting: (() => void)[] = [];
  let next = 0;
  let scheduled = false;
  // One request at a time within a turn: what a request left for the next tick (its body's
  // stream events, say) runs before the next request starts, as it did without turns.
  const startNext = (left: number): void => {
    if (left > 0 && next < waiting.length) {
      const start = waiting[next] as () => void;
      next += 1;
      start();
      process.nextTick(startNext, left - 1);
      return;
    }
    // Started entries are dropped from the front now and then (a queue that never empties
    // under steady load would otherwise keep every request ever started).
    if (next === waiting.length || next >= 1024) {
      waiting.splice(0, next);
      next = 0;
    }
    if (waiting.length > 0) schedule();
  };
  const turn = (): void => {
    scheduled = false;
    startNext(perTurn);
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(turn);
  };
  return (req, res) => {
    waiting.push(() => handler(req, res));
    schedule();
  };
}
