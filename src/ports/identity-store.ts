import type { Account, Credential, Project, RegionRecord, User } from '../domain/identity.js';

/** The global identity store. Names are unique: account names globally, user names per account. */
export interface IdentityStore {
  /** Throws AppError `conflict`-style errors are the caller's: this returns false on a taken name. */
  insertAccount(account: Account): Promise<boolean>;
  getAccount(id: string): Promise<Account | undefined>;
  getAccountByName(name: string): Promise<Account | undefined>;
  listAccounts(): Promise<Account[]>;
  deleteAccount(id: string): Promise<void>;

  insertUser(user: User): Promise<boolean>;
  getUserByName(accountId: string, name: string): Promise<User | undefined>;
  getUser(id: string): Promise<User | undefined>;
  listUsers(accountId: string): Promise<User[]>;
  setUserEnabled(id: string, enabled: boolean): Promise<boolean>;
  /** Replaces the password hash and moves the token generation on. */
  setUserPassword(id: string, passwordHash: string): Promise<boolean>;
  /** Removes the user and the access keys that belong to it. */
  deleteUser(id: string): Promise<boolean>;

  insertCredential(credential: Credential): Promise<void>;
  getCredential(accessKey: string): Promise<Credential | undefined>;
  listCredentials(accountId: string): Promise<Credential[]>;
  setCredentialEnabled(accessKey: string, enabled: boolean): Promise<boolean>;
  deleteCredential(accessKey: string): Promise<boolean>;

  /** Inserts unless the account already has a project in that region; returns the project that stands. */
  ensureProject(project: Project): Promise<Project>;
  getProject(id: string): Promise<Project | undefined>;
  listProjects(accountId: string): Promise<Project[]>;

  upsertRegion(region: RegionRecord): Promise<void>;
  listRegions(): Promise<RegionRecord[]>;

  /** The deployment's token-signing key pair (private key encrypted); created once. */
  getTokenKey(): Promise<{ publicKeyPem: string; privateKeyEnc: string } | undefined>;
  /** Stores the key pair unless one exists; returns the one that stands. */
  ensureTokenKey(key: { publicKeyPem: string; privateKeyEnc: string }): Promise<{ publicKeyPem: string; privateKeyEnc: string }>;

  close(): Promise<void>;
}
