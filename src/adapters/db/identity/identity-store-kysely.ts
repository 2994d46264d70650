import { sql, type Kysely } from 'kysely';
import type { Account, Credential, Project, RegionRecord, User } from '../../../domain/identity.js';
import type { IdentityStore } from '../../../ports/identity-store.js';
import { isUniqueViolation } from '../engine.js';
import type { IdentityDatabase } from './identity-schema.js';

type Row<T extends keyof IdentityDatabase> = IdentityDatabase[T];

const toUser = (r: Row<'iam_users'>): User => ({
  id: r.id, accountId: r.account_id, name: r.name, passwordHash: r.password_hash, enabled: r.enabled === 1,
  tokenGeneration: Number(r.token_generation), createdAt: r.created_at,
});
const toCredential = (r: Row<'iam_credentials'>): Credential => ({
  accessKey: r.access_key, accountId: r.account_id, userId: r.user_id, secretEnc: r.secret_enc,
  enabled: r.enabled === 1, description: r.description, createdAt: r.created_at,
});
const toProject = (r: Row<'iam_projects'>): Project => ({ id: r.id, accountId: r.account_id, region: r.region, createdAt: r.created_at });
const toAccount = (r: Row<'iam_accounts'>): Account => ({ id: r.id, name: r.name, createdAt: r.created_at });

/** The identity store on SQLite or PostgreSQL (one implementation). */
export class KyselyIdentityStore implements IdentityStore {
  constructor(
    private readonly db: Kysely<IdentityDatabase>,
    private readonly onClose: () => Promise<void>,
  ) {}

  private async insertUnique(run: () => Promise<unknown>): Promise<boolean> {
    try {
      await run();
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  insertAccount(a: Account): Promise<boolean> {
    return this.insertUnique(() => this.db.insertInto('iam_accounts').values({ id: a.id, name: a.name, created_at: a.createdAt }).execute());
  }

  async getAccount(id: string): Promise<Account | undefined> {
    const r = await this.db.selectFrom('iam_accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toAccount(r);
  }

  async getAccountByName(name: string): Promise<Account | undefined> {
    const r = await this.db.selectFrom('iam_accounts').selectAll().where('name', '=', name).executeTakeFirst();
    return r && toAccount(r);
  }

  async listAccounts(): Promise<Account[]> {
    return (await this.db.selectFrom('iam_accounts').selectAll().orderBy('name').execute()).map(toAccount);
  }

  async deleteAccount(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const table of ['iam_credentials', 'iam_users', 'iam_projects'] as const) {
        await trx.deleteFrom(table).where('account_id', '=', id).execute();
      }
      await trx.deleteFrom('iam_accounts').where('id', '=', id).execute();
    });
  }

  insertUser(u: User): Promise<boolean> {
    return this.insertUnique(() =>
      this.db
        .insertInto('iam_users')
        .values({ id: u.id, account_id: u.accountId, name: u.name, password_hash: u.passwordHash, enabled: u.enabled ? 1 : 0, token_generation: u.tokenGeneration, created_at: u.createdAt })
        .execute(),
    );
  }

  async getUserByName(accountId: string, name: string): Promise<User | undefined> {
    const r = await this.db.selectFrom('iam_users').selectAll().where('account_id', '=', accountId).where('name', '=', name).executeTakeFirst();
    return r && toUser(r);
  }

  async getUser(id: string): Promise<User | undefined> {
    const r = await this.db.selectFrom('iam_users').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toUser(r);
  }

  async listUsers(accountId: string): Promise<User[]> {
    return (await this.db.selectFrom('iam_users').selectAll().where('account_id', '=', accountId).orderBy('name').execute()).map(toUser);
  }

  async setUserEnabled(id: string, enabled: boolean): Promise<boolean> {
    const r = await this.db.updateTable('iam_users').set({ enabled: enabled ? 1 : 0 }).where('id', '=', id).executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async setUserPassword(id: string, passwordHash: string): Promise<boolean> {
    const r = await this.db
      .updateTable('iam_users')
      .set({ password_hash: passwordHash, token_generation: sql<number>`token_generation + 1` })
      .where('id', '=', id)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async deleteUser(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('iam_credentials').where('user_id', '=', id).execute();
      const r = await trx.deleteFrom('iam_users').where('id', '=', id).executeTakeFirst();
      return r.numDeletedRows > 0n;
    });
  }

  async insertCredential(c: Credential): Promise<void> {
    await this.db
      .insertInto('iam_credentials')
      .values({
        access_key: c.accessKey, account_id: c.accountId, user_id: c.userId, secret_enc: c.secretEnc,
        enabled: c.enabled ? 1 : 0, description: c.description, created_at: c.createdAt,
      })
      .execute();
  }

  async getCredential(accessKey: string): Promise<Credential | undefined> {
    const r = await this.db.selectFrom('iam_credentials').selectAll().where('access_key', '=', accessKey).executeTakeFirst();
    return r && toCredential(r);
  }

  async listCredentials(accountId: string): Promise<Credential[]> {
    return (await this.db.selectFrom('iam_credentials').selectAll().where('account_id', '=', accountId).orderBy('created_at').execute()).map(toCredential);
  }

  async setCredentialEnabled(accessKey: string, enabled: boolean): Promise<boolean> {
    const r = await this.db.updateTable('iam_credentials').set({ enabled: enabled ? 1 : 0 }).where('access_key', '=', accessKey).executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async deleteCredential(accessKey: string): Promise<boolean> {
    const r = await this.db.deleteFrom('iam_credentials').where('access_key', '=', accessKey).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async ensureProject(p: Project): Promise<Project> {
    await this.insertUnique(() =>
      this.db.insertInto('iam_projects').values({ id: p.id, account_id: p.accountId, region: p.region, created_at: p.createdAt }).execute(),
    );
    const r = await this.db
      .selectFrom('iam_projects')
      .selectAll()
      .where('account_id', '=', p.accountId)
      .where('region', '=', p.region)
      .executeTakeFirstOrThrow();
    return toProject(r);
  }

  async getProject(id: string): Promise<Project | undefined> {
    const r = await this.db.selectFrom('iam_projects').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toProject(r);
  }

  async listProjects(accountId: string): Promise<Project[]> {
    return (await this.db.selectFrom('iam_projects').selectAll().where('account_id', '=', accountId).orderBy('region').execute()).map(toProject);
  }

  async upsertRegion(region: RegionRecord): Promise<void> {
    await this.db
      .insertInto('iam_regions')
      .values({ name: region.name, endpoint: region.endpoint, updated_at: region.updatedAt })
      .onConflict((oc) => oc.column('name').doUpdateSet({ endpoint: region.endpoint, updated_at: region.updatedAt }))
      .execute();
  }

  async listRegions(): Promise<RegionRecord[]> {
    const rows = await this.db.selectFrom('iam_regions').selectAll().orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, endpoint: r.endpoint, updatedAt: r.updated_at }));
  }

  async getTokenKey(): Promise<{ publicKeyPem: string; privateKeyEnc: string } | undefined> {
    const r = await this.db.selectFrom('iam_token_keys').selectAll().where('id', '=', 'current').executeTakeFirst();
    return r && { publicKeyPem: r.public_key_pem, privateKeyEnc: r.private_key_enc };
  }

  async ensureTokenKey(key: { publicKeyPem: string; privateKeyEnc: string }): Promise<{ publicKeyPem: string; privateKeyEnc: string }> {
    await this.insertUnique(() =>
      this.db
        .insertInto('iam_token_keys')
        .values({ id: 'current', public_key_pem: key.publicKeyPem, private_key_enc: key.privateKeyEnc, created_at: new Date().toISOString() })
        .execute(),
    );
    const stored = await this.getTokenKey();
    if (!stored) throw new Error('token key missing after insert');
    return stored;
  }

  close(): Promise<void> {
    return this.onClose();
  }
}
