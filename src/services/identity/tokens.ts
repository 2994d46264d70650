import { createHash, generateKeyPairSync, randomBytes, sign, verify, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/** What a token asserts: a user of an account, scoped to one project in one region. */
export interface TokenClaims {
  /** Token id. */
  jti: string;
  userId: string;
  userName: string;
  accountId: string;
  accountName: string;
  projectId: string;
  region: string;
  /** Unix seconds. */
  iat: number;
  exp: number;
}

const b64url = (buf: Buffer): string => buf.toString('base64url');

/** Strict base64url: decoding and re-encoding must give the same text (no junk, no padding). */
function decodeCanonical(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const buf = Buffer.from(text, 'base64url');
  return b64url(buf) === text ? buf : undefined;
}

export function generateTokenKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Genuine tokens remembered at most (each entry: a 32-byte digest and the claims). */
const verifiedEntries = 10_000;

/**
 * Ed25519-signed tokens, `<payload b64url>.<signature b64url>`: any region holding the public
 * key verifies them without a lookup. A token whose signature verified is remembered by the
 * SHA-256 digest of its text (never the token itself), so its next request costs a hash, not
 * a signature check; expiry is checked on every use, and whether its user may still use it is
 * the caller's check (`IdentityService.revokedToken`), which no cache here skips.
 */
export class TokenSigner {
  private readonly publicKey: KeyObject;
  private readonly privateKey: KeyObject;
  private readonly verified = new Map<string, TokenClaims>();
  /** Ed25519 verifications done so far (the rest were answered from the remembered digests). */
  signatureChecks = 0;

  constructor(keys: { publicKeyPem: string; privateKeyPem: string }) {
    this.publicKey = createPublicKey(keys.publicKeyPem);
    this.privateKey = createPrivateKey(keys.privateKeyPem);
  }

  issue(claims: Omit<TokenClaims, 'jti'>): { token: string; claims: TokenClaims } {
    const full: TokenClaims = { jti: randomBytes(12).toString('hex'), ...claims };
    const payload = Buffer.from(JSON.stringify({ v: 1, ...full }));
    return { token: `${b64url(payload)}.${b64url(sign(null, payload, this.privateKey))}`, claims: full };
  }

  /** The claims of a genuine, unexpired token; a reason otherwise. */
  verify(token: string, nowSeconds: number): { ok: true; claims: TokenClaims } | { ok: false; reason: string } {
    if (token.length > 4096) return { ok: false, reason: 'token too long' };
    const digest = createHash('sha256').update(token).digest('base64');
    const known = this.verified.get(digest);
    if (known) {
      if (known.exp > nowSeconds) return { ok: true, claims: known };
      this.verified.delete(digest);
      return { ok: false, reason: 'token has expired' };
    }
    const result = this.verifySignature(token, nowSeconds);
    if (result.ok) {
      if (this.verified.size >= verifiedEntries) this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(digest, result.claims);
    }
    return result;
  }

  private verifySignature(token: string, nowSeconds: number): { ok: true; claims: TokenClaims } | { ok: false; reason: string } {
    const parts = token.split('.');
    const payload = parts.length === 2 ? decodeCanonical(parts[0] ?? '') : undefined;
    const signature = parts.length === 2 ? decodeCanonical(parts[1] ?? '') : undefined;
    if (!payload || !signature || signature.length !== 64) return { ok: false, reason: 'token is malformed' };
    this.signatureChecks += 1;
    if (!verify(null, payload, this.publicKey, signature)) return { ok: false, reason: 'token signature is invalid' };
    let claims: TokenClaims & { v?: number };
    try {
      claims = JSON.parse(payload.toString('utf8')) as TokenClaims & { v?: number };
    } catch {
      return { ok: false, reason: 'token is malformed' };
    }
    if (claims.v !== 1 || typeof claims.exp !== 'number') return { ok: false, reason: 'token version is unknown' };
    if (claims.exp <= nowSeconds) return { ok: false, reason: 'token has expired' };
    return { ok: true, claims };
  }
}
