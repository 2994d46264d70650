// The metadata database of a bench's region. Default: a SQLite file in the bench's folder.
// BENCH_DATABASE_URL=postgres://user@host:port/db names a PostgreSQL server instead: the bench
// creates a database of its own there (`assetbridge_bench_<random>`, through that URL's
// database) and drops it when the run ends, failed runs included. The identity store stays
// SQLite either way.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';

/** Where the region's metadata lives for this run: `url`, its `engine`, and `drop()` to call at the end. */
export async function benchDatabase(dir) {
  const server = process.env.BENCH_DATABASE_URL;
  if (!server) return { url: `sqlite:${path.join(dir, 'metadata.db')}`, engine: 'sqlite', drop: async () => {} };
  if (!/^postgres(ql)?:\/\//.test(server)) throw new Error('BENCH_DATABASE_URL must be a postgres:// URL');
  const name = `assetbridge_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (statement) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  // A run that fails still drops its database (the error is printed, the exit code stays 1).
  const failed = (err) => {
    console.error(err);
    drop().catch((e) => console.error(`could not drop database ${name}:`, e)).finally(() => process.exit(1));
  };
  process.once('uncaughtException', failed);
  process.once('unhandledRejection', failed);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), engine: 'postgres', drop };
}
