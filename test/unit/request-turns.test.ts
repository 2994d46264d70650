import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { inTurns } from '../../src/http/request-turns.js';

const request = (n: number) => ({ url: `/${n}` }) as IncomingMessage;
const response = {} as ServerResponse;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('requests started in turns', () => {
  it('starts at most the given number per turn of the event loop, in arrival order', async () => {
    const started: string[] = [];
    const handler = inTurns((req) => started.push(req.url ?? ''), 2);
    for (let n = 1; n <= 5; n += 1) handler(request(n), response);
    expect(started).toEqual([]); // never inside the arrival's own turn
    await nextTurn();
    expect(started).toEqual(['/1', '/2']);
    await nextTurn();
    expect(started).toEqual(['/1', '/2', '/3', '/4']);
    handler(request(6), response);
    await nextTurn();
    expect(started).toEqual(['/1', '/2', '/3', '/4', '/5', '/6']);
    await nextTurn();
    expect(started).toHaveLength(6);
  });

  it('lets timers and I/O run between turns while a long queue drains', async () => {
    const started: number[] = [];
    // Each request keeps the loop busy for 1 ms, as a synchronous database read may.
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    const handler = inTurns((req) => {
      busy(1);
      started.push(Number(req.url?.slice(1)));
    }, 8);
    for (let n = 0; n < 100; n += 1) handler(request(n), response);
    // A timer set now fires before the queue is drained: turns give the loop back.
    const seenByTimer = await new Promise<number>((resolve) => setTimeout(() => resolve(started.length), 0));
    expect(seenByTimer).toBeGreaterThan(0);
    expect(seenByTimer).toBeLessThan(100);
    while (started.length < 100) await nextTurn();
    expect(started).toEqual([...Array(100).keys()]);
  });
});

describe('requests started in turns, one after another', () => {
  it('runs what a request left for the next tick before the next request starts', async () => {
    const events: string[] = [];
    const handler = inTurns((req) => {
      events.push(`start ${req.url}`);
      process.nextTick(() => events.push(`tick ${req.url}`));
    }, 8);
    handler(request(1), response);
    handler(request(2), response);
    await nextTurn();
    expect(events).toEqual(['start /1', 'tick /1', 'start /2', 'tick /2']);
  });
});
