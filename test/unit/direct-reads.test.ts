// PostgreSQL's direct reads: reads of one statement and parameters waiting for a connection are
// made once; a read never joins one that already has its connection (it could have missed a
// change committed after it started), and every read counts as a query.
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresDirectReads, type DirectPool } from '../../src/adapters/db/direct-reads.js';

/** A pool whose connections are handed out when the test says, and whose queries answer their parameters. */
function fakePool() {
  const waiting: ((client: pg.PoolClient) => void)[] = [];
  const queries: unknown[][] = [];
  const released: (Error | undefined)[] = [];
  const client = {
    query: (config: { name: string; text: string; values: unknown[] }) => {
      queries.push(config.values);
      if (config.values[0] === 'fail') return Promise.reject(new Error('query failed'));
      return Promise.resolve({ rows: [{ read: queries.length, values: config.values }] });
    },
    release: (err?: Error) => void released.push(err),
  } as unknown as pg.PoolClient;
  const pool: DirectPool = { connect: () => new Promise<pg.PoolClient>((resolve) => waiting.push(resolve)) };
  const handOut = async () => {
    for (const give of waiting.splice(0)) give(client);
    await new Promise((r) => setImmediate(r));
  };
  return { pool, queries, released, handOut };
}

describe('PostgreSQL direct reads', () => {
  it('makes one query for reads of the same statement and parameters waiting for a connection', async () => {
    const { pool, queries, released, handOut } = fakePool();
    let counted = 0;
    const reads = postgresDirectReads(pool, () => (counted += 1));
    const a = reads.rows('stamp', 'SELECT $1, $2', ['p', 'a']);
    const b = reads.rows('stamp', 'SELECT $1, $2', ['p', 'a']);
    const other = reads.rows('stamp', 'SELECT $1, $2', ['p', 'b']);
    await handOut();
    expect(await a).toEqual([{ read: 1, values: ['p', 'a'] }]);
    expect(await b).toBe(await a);
    expect(await other).toEqual([{ read: 2, values: ['p', 'b'] }]);
    expect(queries).toHaveLength(2);
    expect(counted).toBe(3);
    expect(released).toEqual([undefined, undefined]);
  });

  it('never joins a read that already has its connection', async () => {
    const { pool, queries, handOut } = fakePool();
    const reads = postgresDirectReads(pool);
    const first = reads.rows('stamp', 'SELECT $1', ['p']);
    await handOut();
    // The first read has its connection: a request arriving now makes a read of its own.
    const second = reads.rows('stamp', 'SELECT $1', ['p']);
    await handOut();
    expect(await first).toMatchObject([{ read: 1 }]);
    expect(await second).toMatchObject([{ read: 2 }]);
    expect(queries).toHaveLength(2);
  });

  it('fails every joined read with the query, drops the connection, and reads anew afterwards', async () => {
    const { pool, released, handOut } = fakePool();
    const reads = postgresDirectReads(pool);
    const a = expect(reads.rows('stamp', 'SELECT $1', ['fail'])).rejects.toThrow('query failed');
    const b = expect(reads.rows('stamp', 'SELECT $1', ['fail'])).rejects.toThrow('query failed');
    await handOut();
    await a;
    await b;
    expect(released).toHaveLength(1);
    expect(released[0]).toBeInstanceOf(Error);
    const again = reads.rows('stamp', 'SELECT $1', ['ok']);
    await handOut();
    expect(await again).toMatchObject([{ values: ['ok'] }]);
  });
});
