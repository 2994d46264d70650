import { randomBytes } from 'node:crypto';
import type { Account, Credential, Project, User } from '../../domain/identity.js';
import { identityNamePattern } from '../../domain/identity.js';
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { IdentityStore } from '../../ports/identity-store.js';
import type { Clock } from '../../ports/clock.js';
import { isoTime } from '../../domain/time.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { RecheckCache } from './recheck-cache.js';
import { andThen, type MaybePromise } from '../../domain/maybe-promise.js';

/** The account and clear secret of an AK, or why there is none. */
export type ResolvedAccessKey = { status: 'ok'; accountId: string; secretKey: string } | { status: 'unknown' | 'disabled' };
import type { SecretBox } from './secret-box.js';
import { generateTokenKeyPair, TokenSigner, type TokenClaims } from './tokens.js';

const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const mixed = `${upper}abcdefghijklmnopqrstuvwxyz`;
/** Uniform random characters (rejection sampling: no modulo bias). */
export function randomChars(n: number, alphabet: string): string {
  let out = '';
  const limit = 256 - (256 % alphabet.length);
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      if (b < limit && out.length < n) out += alphabet[b % alphabet.length];
    }
  }
  return out;
}

function checkPassword(password: string): void {
  if (password.length < 8 || password.length > 128) throw new IdentityError('passwords are 8 to 128 characters');
}

export class IdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityError';
  }
}

const secretPurpose = (accessKey: string) => `aksk:${accessKey}`;

/**
 * How long a region may go on answering from an identity lookup (an access key, a token's
 * user) before reading it again: the bound within which disabling or deleting a key or a
 * user, or changing a password, takes effect everywhere (docs/api-behaviour.md).
 */
export const identityRecheckMs = 2_000;
const recheckEntries = 10_000;
const tokenKeyPurpose = 'token-signing-key';

/**
 * Accounts, users, AK/SK pairs and projects, global to the deployment; token issue. Operator
 * commands and every region use this one service over the shared identity store.
 */
export class IdentityService {
  /** Access keys with their secret opened (kept in memory only, within the recheck bound). */
  private readonly credentials: RecheckCache<(Credential & { secretKey: string }) | undefined>;
  private readonly users: RecheckCache<User | undefined>;
  private readonly projectsById: RecheckCache<Project | undefined>;

  private constructor(
    private readonly store: IdentityStore,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly tokenTtlSeconds: number,
    readonly tokens: TokenSigner,
  ) {
    const cache = { ttlMs: identityRecheckMs, maxEntries: recheckEntries, nowMs: () => clock.now().getTime() };
    this.credentials = new RecheckCache(cache);
    this.users = new RecheckCache(cache);
    this.projectsById = new RecheckCache(cache);
  }

  /** Loads the token-signing key (created on first use, kept encrypted in the store). */
  static async create(deps: { store: IdentityStore; box: SecretBox; clock: Clock; tokenTtlSeconds: number }): Promise<IdentityService> {
    let stored = await deps.store.getTokenKey();
    if (!stored) {
      const pair = generateTokenKeyPair();
      stored = await deps.store.ensureTokenKey({ publicKeyPem: pair.publicKeyPem, privateKeyEnc: deps.box.seal(tokenKeyPurpose, pair.privateKeyPem) });
    }
    const signer = new TokenSigner({ publicKeyPem: stored.publicKeyPem, privateKeyPem: deps.box.open(tokenKeyPurpose, stored.privateKeyEnc) });
    return new IdentityService(deps.store, deps.box, deps.clock, deps.tokenTtlSeconds, signer);
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private now(): string {
    return isoTime(this.clock.now());
  }

  // --- regions and projects

  /** Records where a region answers and gives every account a project there. */
  async registerRegion(name: string, endpoint: string): Promise<void> {
    await this.store.upsertRegion({ name, endpoint, updatedAt: this.now() });
    for (const account of await this.store.listAccounts()) await this.ensureProject(account.id, name);
  }

  listRegions() {
    return this.store.listRegions();
  }

  ensureProject(accountId: string, region: string): Promise<Project> {
    return this.store.ensureProject({ id: newId(), accountId, region, createdAt: this.now() });
  }

  /** A project by id (a project never changes account or region; one just made is found at once). */
  async getProject(id: string): Promise<Project | undefined> {
    return this.projectNow(id);
  }

  /** As `getProject`, answered at once (no promise) when remembered. */
  projectNow(id: string): MaybePromise<Project | undefined> {
    return this.projectsById.lookup(id, () => this.store.getProject(id), (p) => p !== undefined);
  }

  /** An account's projects, one per region. */
  accountProjects(accountId: string): Promise<Project[]> {
    return this.store.listProjects(accountId);
  }

  async projects(accountName: string): Promise<Project[]> {
    return this.store.listProjects((await this.account(accountName)).id);
  }

  // --- accounts and users

  async account(name: string): Promise<Account> {
    const account = await this.store.getAccountByName(name);
    if (!account) throw new IdentityError(`no account named "${name}"`);
    return account;
  }

  getAccountById(id: string): Promise<Account | undefined> {
    return this.store.getAccount(id);
  }

  listAccounts(): Promise<Account[]> {
    return this.store.listAccounts();
  }

  /** A new account with a project in every known region. */
  async createAccount(name: string): Promise<{ account: Account; projects: Project[] }> {
    if (!identityNamePattern.test(name)) throw new IdentityError('account names are 1-64 of A-Z a-z 0-9 _ . -, starting with a letter');
    const account: Account = { id: newId(), name, createdAt: this.now() };
    if (!(await this.store.insertAccount(account))) throw new IdentityError(`account "${name}" already exists`);
    for (const region of await this.store.listRegions()) await this.ensureProject(account.id, region.name);
    return { account, projects: await this.store.listProjects(account.id) };
  }

  async deleteAccount(name: string): Promise<void> {
    await this.store.deleteAccount((await this.account(name)).id);
  }

  /** A new IAM user; a password is generated when none is given (returned once). */
  async createUser(accountName: string, userName: string, password?: string): Promise<{ user: User; password: string }> {
    if (!identityNamePattern.test(userName)) throw new IdentityError('user names are 1-64 of A-Z a-z 0-9 _ . -, starting with a letter');
    const secret = password ?? randomChars(20, mixed);
    checkPassword(secret);
    const account = await this.account(accountName);
    const user: User = { id: newId(), accountId: account.id, name: userName, passwordHash: await hashPassword(secret), enabled: true, tokenGeneration: 0, createdAt: this.now() };
    if (!(await this.store.insertUser(user))) throw new IdentityError(`user "${userName}" already exists in account "${accountName}"`);
    return { user, password: secret };
  }

  async listUsers(accountName: string): Promise<User[]> {
    return this.store.listUsers((await this.account(accountName)).id);
  }

  private async user(accountName: string, userName: string): Promise<User> {
    const user = await this.store.getUserByName((await this.account(accountName)).id, userName);
    if (!user) throw new IdentityError(`no user "${userName}" in account "${accountName}"`);
    return user;
  }

  /** A disabled user signs in no more; its tokens and access keys are refused (within `identityRecheckMs`). */
  async setUserEnabled(accountName: string, userName: string, enabled: boolean): Promise<void> {
    await this.store.setUserEnabled((await this.user(accountName, userName)).id, enabled);
  }

  /** Removes a user and its access keys; its tokens are refused (within `identityRecheckMs`). */
  async deleteUser(accountName: string, userName: string): Promise<void> {
    await this.store.deleteUser((await this.user(accountName, userName)).id);
  }

  /** A new password; tokens issued before it are refused (within `identityRecheckMs`). */
  async setPassword(accountName: string, userName: string, password: string): Promise<void> {
    checkPassword(password);
    await this.store.setUserPassword((await this.user(accountName, userName)).id, await hashPassword(password));
  }

  // --- AK/SK

  /** A new AK/SK pair (20 and 40 characters); the secret key is returned once and kept encrypted. */
  async createCredential(accountName: string, options: { userName?: string; description?: string } = {}): Promise<{ accessKey: string; secretKey: string }> {
    const account = await this.account(accountName);
    const user = options.userName ? await this.store.getUserByName(account.id, options.userName) : undefined;
    if (options.userName && !user) throw new IdentityError(`no user "${options.userName}" in account "${accountName}"`);
    const accessKey = randomChars(20, upper);
    const secretKey = randomChars(40, mixed);
    await this.store.insertCredential({
      accessKey,
      accountId: account.id,
      userId: user?.id ?? null,
      secretEnc: this.box.seal(secretPurpose(accessKey), secretKey),
      enabled: true,
      description: options.description ?? null,
      createdAt: this.now(),
    });
    return { accessKey, secretKey };
  }

  async listCredentials(accountName: string): Promise<Omit<Credential, 'secretEnc'>[]> {
    const all = await this.store.listCredentials((await this.account(accountName)).id);
    return all.map(({ secretEnc: _secret, ...rest }) => rest);
  }

  async setCredentialEnabled(accessKey: string, enabled: boolean): Promise<void> {
    if (!(await this.store.setCredentialEnabled(accessKey, enabled))) throw new IdentityError(`no access key ${accessKey}`);
  }

  async deleteCredential(accessKey: string): Promise<void> {
    if (!(await this.store.deleteCredential(accessKey))) throw new IdentityError(`no access key ${accessKey}`);
  }

  /** For signature checks: the account and clear secret of an AK, or why there is none. */
  async resolveAccessKey(accessKey: string): Promise<ResolvedAccessKey> {
    return this.accessKeyNow(accessKey);
  }

  /** As `resolveAccessKey`, answered at once (no promise) when the key and its user are remembered. */
  accessKeyNow(accessKey: string): MaybePromise<ResolvedAccessKey> {
    // An unknown key is not remembered: one created a moment later works at once.
    const credential = this.credentials.lookup(accessKey, () => this.openedCredential(accessKey), (c) => c !== undefined);
    return andThen(credential, (c): MaybePromise<ResolvedAccessKey> => {
      if (!c) return { status: 'unknown' };
      if (!c.enabled) return { status: 'disabled' };
      const ok = { status: 'ok', accountId: c.accountId, secretKey: c.secretKey } as const;
      // A key of a user stops with its user, and goes with it (whichever cache entry expires first).
      if (c.userId === null) return ok;
      return andThen(this.cachedUser(c.userId), (user) => (!user ? { status: 'unknown' } : !user.enabled ? { status: 'disabled' } : ok));
    });
  }

  private async openedCredential(accessKey: string): Promise<(Credential & { secretKey: string }) | undefined> {
    const credential = await this.store.getCredential(accessKey);
    return credential && { ...credential, secretKey: this.box.open(secretPurpose(accessKey), credential.secretEnc) };
  }

  // --- tokens

  private cachedUser(userId: string): MaybePromise<User | undefined> {
    return this.users.lookup(userId, () => this.store.getUser(userId));
  }

  /** Why a genuine, unexpired token no longer speaks for its user, if it does not. */
  async revokedToken(claims: TokenClaims): Promise<string | undefined> {
    return this.revokedTokenNow(claims);
  }

  /** As `revokedToken`, answered at once (no promise) when the user is remembered. */
  revokedTokenNow(claims: TokenClaims): MaybePromise<string | undefined> {
    return andThen(this.cachedUser(claims.userId), (user) => {
      if (!user || user.accountId !== claims.accountId) return 'the user no longer exists';
      if (!user.enabled) return 'the user is disabled';
      if (claims.gen !== user.tokenGeneration) return "the user's password changed after the token was issued";
      return undefined;
    });
  }

  /** Password authentication, scoped to one project (by id, or by name = region). */
  async issueToken(input: { domainName: string; userName: string; password: string; scope: { projectId: string } | { projectName: string } }): Promise<{ token: string; claims: TokenClaims; account: Account; project: Project }> {
    const refused = new AppError('authenticationFailed', 'the user name, password or domain is wrong');
    const account = await this.store.getAccountByName(input.domainName);
    const user = account && (await this.store.getUserByName(account.id, input.userName));
    // Hash even when the user is unknown, so timing does not reveal which names exist.
    const ok = await verifyPassword(input.password, user?.passwordHash ?? 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    if (!account || !user || !user.enabled || !ok) throw refused;
    const projects = await this.store.listProjects(account.id);
    const project = 'projectId' in input.scope
      ? projects.find((p) => p.id === (input.scope as { projectId: string }).projectId)
      : projects.find((p) => p.region === (input.scope as { projectName: string }).projectName);
    if (!project) throw new AppError('forbidden', 'the scoped project does not exist or is not this account\'s');
    const iat = Math.floor(this.clock.now().getTime() / 1000);
    const issued = this.tokens.issue({
      userId: user.id, userName: user.name, accountId: account.id, accountName: account.name,
      projectId: project.id, region: project.region, gen: user.tokenGeneration, iat, exp: iat + this.tokenTtlSeconds,
    });
    return { ...issued, account, project };
  }
}
