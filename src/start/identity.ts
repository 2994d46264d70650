import type { IdentityConfig } from '../config/index.js';
import { migrate, openDatabase } from '../adapters/db/database.js';
import { identityMigrations } from '../adapters/db/migrations/index.js';
import type { IdentityDatabase } from '../adapters/db/identity/identity-schema.js';
import { KyselyIdentityStore } from '../adapters/db/identity/identity-store-kysely.js';
import type { Clock } from '../ports/clock.js';
import { systemClock } from '../adapters/system-clock.js';
import { IdentityService } from '../services/identity/identity-service.js';
import { SecretBox } from '../services/identity/secret-box.js';
import { countQuery } from '../observability/query-count.js';

/** Opens the global identity store (migrating it) and the service over it. */
export async function openIdentity(config: IdentityConfig, clock: Clock = systemClock): Promise<IdentityService> {
  const database = openDatabase<IdentityDatabase>(config.databaseUrl, { onQuery: countQuery });
  try {
    await migrate(database, identityMigrations);
    const store = new KyselyIdentityStore(database.db, () => database.close());
    return await IdentityService.create({ store, box: new SecretBox(config.masterKey), clock, tokenTtlSeconds: config.tokenTtlSeconds });
  } catch (err) {
    await database.close();
    throw err;
  }
}
