import { existsSync } from 'node:fs';
import { ConfigError, loadSettings, operatorDatabaseUrl, operatorIdentityConfig, type Env } from '../config/index.js';
import { openDatabase } from '../adapters/db/database.js';
import { KyselyMetadataStore } from '../adapters/db/metadata-store-kysely.js';
import { systemClock } from '../adapters/system-clock.js';
import { CopyOperations } from '../services/replication/copy-operations.js';
import { isAppError } from '../domain/errors.js';
import type { CopyTask } from '../domain/copy-task.js';
import { ScheduledOperationService } from '../services/scheduled-operations.js';
import { IdentityError, type IdentityService } from '../services/identity/identity-service.js';
import { SealedSecretError } from '../services/identity/secret-box.js';
import { openIdentity } from './identity.js';

/*
 * What the operator commands of the command line (`assetbridge iam`, `keys`, `copies`,
 * `assets unblock`)
 * use of the server code. The command line reaches the server code only through this file
 * and `start/main.ts` (`runServer`); the lint rule holds it to that.
 */
export { KeyRingFile } from './key-ring-file.js';
export { KeyRingError } from '../services/replication/key-ring.js';
export { IdentityError, type IdentityService };
export { CopyOperations };
export type { CopyTask } from '../domain/copy-task.js';
export { copyTaskStates } from '../domain/copy-task.js';

/** A database URL without its password, for messages. */
const redact = (url: string): string => url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');

/** Opens the identity store for an operator command, turning the usual setup mistakes into one-line errors. */
export async function openOperatorIdentity(env: Env): Promise<IdentityService> {
  const config = operatorIdentityConfig(env);
  try {
    return await openIdentity(config);
  } catch (err) {
    // The token-signing key is the first secret opened: a wrong key fails there.
    if (err instanceof SealedSecretError && err.reason === 'wrong_key') {
      throw new ConfigError([`ASSETBRIDGE_MASTER_KEY does not open the identity store at ${redact(config.databaseUrl)} (its secrets were sealed with another key)`]);
    }
    const message = err instanceof Error ? err.message : String(err);
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    throw new IdentityError(`cannot open the identity store at ${redact(config.databaseUrl)}: ${message}${cause}`);
  }
}

/**
 * A running region writes to its database all the time (copy progress, sweeps); on SQLite an
 * operator command whose transaction meets one of those writes is refused as busy at once
 * (WAL: a read snapshot cannot become a write). The command waits a moment and tries again,
 * for up to 10 s, instead of failing.
 */
async function patiently<T>(run: () => Promise<T>): Promise<T> {
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      return await run();
    } catch (err) {
      if (!isAppError(err) || err.kind !== 'unavailable' || Date.now() > until) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The copy operations, each retried while the region's database is busy. */
class PatientCopyOperations extends CopyOperations {
  override list(filter?: Parameters<CopyOperations['list']>[0]): Promise<CopyTask[]> {
    return patiently(() => super.list(filter));
  }

  override retry(assetId: string, projectId?: string): Promise<CopyTask> {
    return patiently(() => super.retry(assetId, projectId));
  }

  override cancel(assetId: string, projectId?: string): Promise<CopyTask> {
    return patiently(() => super.cancel(assetId, projectId));
  }
}

/**
 * The copy tasks of one region's metadata database, for `assetbridge copies` (a running region
 * shares the database: every change is a conditional write its workers respect). The region's
 * name is only used in messages. The database is not migrated here: a region of this version
 * must have started on it.
 */
export async function openOperatorCopies(env: Env, region?: string): Promise<{ copies: CopyOperations; close(): Promise<void> }> {
  const url = operatorDatabaseUrl(env, region);
  const database = openDatabase(url);
  try {
    await database.db.selectFrom('copy_tasks').select('claims').limit(1).execute();
  } catch (err) {
    await database.close();
    const message = err instanceof Error ? err.message : String(err);
    throw new ConfigError([`cannot read copies in ${redact(url)} (start a region of this version on it first): ${message}`]);
  }
  const store = new KyselyMetadataStore(database.db, database.engine);
  const name = region ?? loadSettings(env).ASSETBRIDGE_REGION ?? '<region>';
  return { copies: new PatientCopyOperations({ store, clock: systemClock, region: name }), close: () => database.close() };
}

/** The asset commands' view of one region's metadata (`assetbridge assets unblock`). */
export interface OperatorAssets {
  /** Lifts a BLOCK; returns the asset's project and its state now. */
  unblock(assetId: string, projectId?: string): Promise<{ projectId: string; assetState: string }>;
  close(): Promise<void>;
}

/** Opens a region's metadata database for an operator command (it must exist: the region made it). */
export async function openOperatorAssets(env: Env, localRegion?: string): Promise<OperatorAssets> {
  const url = operatorDatabaseUrl(env, localRegion);
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : undefined;
  if (file !== undefined && !existsSync(file)) throw new ConfigError([`no metadata database at ${file} (set ASSETBRIDGE_DATABASE_URL or ASSETBRIDGE_DATA_DIR${localRegion ? '' : ', or --local-region for the local mode'})`]);
  const database = openDatabase(url);
  const store = new KyselyMetadataStore(database.db, database.engine);
  const scheduled = new ScheduledOperationService({ store, clock: systemClock });
  return {
    unblock: async (assetId, projectId) => {
      const asset = await patiently(() => scheduled.unblock(assetId, projectId));
      return { projectId: asset.projectId, assetState: asset.assetState };
    },
    close: () => database.close(),
  };
}
