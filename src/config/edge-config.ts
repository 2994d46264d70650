import { isIP } from 'node:net';
import type { SettingsReader } from './settings-reader.js';

/** What the HTTP edge of a region allows before and around authentication (see README "Security limits"). */
export interface EdgeConfig {
  /**
   * Proxies whose `X-Forwarded-For` is believed for the client address (addresses, CIDR ranges,
   * or `loopback`, `linklocal`, `uniquelocal`); empty (default): the socket's address only.
   */
  readonly trustProxy: readonly string[];
  /** Time to receive a request's headers, ms (default 20 s). */
  readonly headersTimeoutMs: number;
  /** Whole API request (receiving, handling, answering), ms (default 30 s). */
  readonly requestTimeoutMs: number;
  /** Byte streams (uploads, downloads, peer file transfers): no byte for this long ends them, ms (default 60 s). */
  readonly transferIdleTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long, ms (default 72 s). */
  readonly keepAliveTimeoutMs: number;
  /** Bodies of AK/SK requests not yet verified, buffered at once per client address (default 4). */
  readonly maxUnverifiedBodies: number;
  /** `POST /v3/auth/tokens` attempts per minute per (user, client address) (default 10). */
  readonly loginsPerUserAddress: number;
  /** `POST /v3/auth/tokens` attempts per minute per client address (default 60). */
  readonly loginsPerAddress: number;
  /** Password hashes computed at once (default 2: the rest of the I/O pool stays free for files). */
  readonly passwordHashConcurrency: number;
  /** Password hashes waiting for a slot; beyond, a login is 429 (default 32). */
  readonly passwordHashQueue: number;
}

const namedRanges = ['loopback', 'linklocal', 'uniquelocal'];

function parseTrustProxy(r: SettingsReader): string[] {
  const raw = r.optional('TRUST_PROXY');
  if (raw === undefined || raw === 'off') return [];
  const entries = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const ok = namedRanges.includes(entry) || (isIP(address) !== 0 && (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (isIP(address) === 4 ? 32 : 128))));
    r.check(ok, `ASSETBRIDGE_TRUST_PROXY must list addresses, CIDR ranges, loopback, linklocal or uniquelocal, separated by commas (got "${entry}")`);
  }
  return entries;
}

export function parseEdgeConfig(r: SettingsReader): EdgeConfig {
  const seconds = (name: string, fallback: number, max: number) => r.int(name, fallback, 1, max) * 1000;
  return {
    trustProxy: parseTrustProxy(r),
    headersTimeoutMs: seconds('HEADERS_TIMEOUT', 20, 3_600),
    requestTimeoutMs: seconds('REQUEST_TIMEOUT', 30, 3_600),
    transferIdleTimeoutMs: seconds('TRANSFER_IDLE_TIMEOUT', 60, 3_600),
    keepAliveTimeoutMs: seconds('KEEP_ALIVE_TIMEOUT', 72, 3_600),
    maxUnverifiedBodies: r.int('MAX_UNVERIFIED_BODIES', 4, 1, 1_000),
    loginsPerUserAddress: r.int('LOGIN_RATE_USER', 10, 1, 100_000),
    loginsPerAddress: r.int('LOGIN_RATE_ADDRESS', 60, 1, 100_000),
    passwordHashConcurrency: r.int('PASSWORD_HASH_CONCURRENCY', 2, 1, 64),
    passwordHashQueue: r.int('PASSWORD_HASH_QUEUE', 32, 0, 10_000),
  };
}
