import path from 'node:path';
import type { SettingsReader } from './settings-reader.js';
import { databaseUrlPattern } from './values.js';

/** Where identities live and how their secrets are protected. */
export interface IdentityConfig {
  /** `sqlite:<file>` (shared by the local regions) or `postgres://...`. */
  readonly databaseUrl: string;
  /** 32-byte key (64 hex characters) that encrypts secret keys and token-signing keys at rest. */
  readonly masterKey: Buffer;
  /** Lifetime of IAM tokens, seconds (default 86400). */
  readonly tokenTtlSeconds: number;
}

/** The identity store's place and token lifetime: everything but the master key. */
export type IdentityStoreConfig = Omit<IdentityConfig, 'masterKey'>;

const masterKeyPattern = /^[0-9a-f]{64}$/;

export function parseIdentityStoreConfig(r: SettingsReader, dataDir: string): IdentityStoreConfig {
  const databaseUrl = r.string('IDENTITY_DATABASE_URL', `sqlite:${path.join(dataDir, 'identity.db')}`);
  r.check(databaseUrlPattern.test(databaseUrl), 'ASSETBRIDGE_IDENTITY_DATABASE_URL must start with sqlite: or postgres://');
  return { databaseUrl, tokenTtlSeconds: r.int('TOKEN_TTL', 86_400, 60, 7 * 86_400) };
}

/** A master key in its setting's form (64 lowercase hex characters), checked. */
export function masterKeyFrom(r: SettingsReader, hex: string): Buffer {
  const ok = masterKeyPattern.test(hex);
  r.check(ok, 'ASSETBRIDGE_MASTER_KEY must be 64 lowercase hex characters (32 bytes)');
  return Buffer.from(ok ? hex : '', 'hex');
}

/** Identity settings, shared by the region server and the operator commands. */
export function parseIdentityConfig(r: SettingsReader, dataDir: string): IdentityConfig {
  const hex = r.string('MASTER_KEY');
  // A missing key is reported once (as required), not twice.
  const masterKey = hex === '' ? Buffer.alloc(0) : masterKeyFrom(r, hex);
  return { ...parseIdentityStoreConfig(r, dataDir), masterKey };
}
