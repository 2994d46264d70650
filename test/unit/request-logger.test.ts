// request.log makes its pino child only when something logs through it, and that child writes
// the lines a child made up front would.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { LazyRequestLogger } from '../../src/http/plugins/request-logger.js';

function logger(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: 'info', base: undefined, timestamp: false }, sink), lines };
}

describe('lazy request logger', () => {
  it('makes no child until a line is logged through it', () => {
    const { log } = logger();
    const child = vi.spyOn(log, 'child');
    const lazy = new LazyRequestLogger(log, { reqId: 'r-1' }, {});
    expect(lazy.level).toBe('info');
    expect(child).not.toHaveBeenCalled();
    lazy.debug('below the level');
    expect(child).toHaveBeenCalledTimes(1);
    lazy.error({ code: 1 }, 'failed');
    expect(child).toHaveBeenCalledTimes(1);
  });

  it('writes the lines of a child made up front, and the root writes the access line alike', async () => {
    const lazyOut = logger();
    const eagerOut = logger();
    const lazy = new LazyRequestLogger(lazyOut.log, { reqId: 'r-2' }, {});
    const eager = eagerOut.log.child({ reqId: 'r-2' }, {});
    lazy.error({ err: new Error('boom') }, 'unexpected error');
    eager.error({ err: new Error('boom') }, 'unexpected error');
    lazy.child({ part: 1 }).warn('from a child');
    eager.child({ part: 1 }).warn('from a child');
    eagerOut.log.info({ reqId: 'r-2', op: 'asset.show' }, 'request');
    eager.info({ op: 'asset.show' }, 'request');
    await new Promise((resolve) => setImmediate(resolve));
    const strip = (l: Record<string, unknown>) => ({ ...l, err: l.err && { ...(l.err), stack: undefined } });
    expect(lazyOut.lines.map(strip)).toEqual(eagerOut.lines.slice(0, 2).map(strip));
    expect(eagerOut.lines[2]).toEqual(eagerOut.lines[3]);
    expect(Object.keys(eagerOut.lines[2] ?? {})).toEqual(Object.keys(eagerOut.lines[3] ?? {}));
  });
});
