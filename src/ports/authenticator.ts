import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../domain/principal.js';
import type { MaybePromise } from '../domain/maybe-promise.js';

/** What the authentication step sees of a request. */
export interface AuthRequest {
  method: string;
  /** Path and query exactly as received. */
  rawUrl: string;
  headers: IncomingHttpHeaders;
  /** Body bytes as received (empty when none). */
  body: Buffer;
  /** The client's address: the socket's, or from `X-Forwarded-For` when the socket is a trusted proxy. */
  clientAddress: string;
}

/** Who signed or presented a token, before any project is considered. */
export interface Caller {
  accountId: string;
  via: 'aksk' | 'token';
  /** Tokens are scoped to one project. */
  tokenProjectId?: string;
}

/** What the headers alone establish: a token's caller, or an AK/SK request to verify once its body arrived. */
export type Precheck = { caller: Caller } | { verify: (body: Buffer) => Caller };

/**
 * Establishes who calls (401 on bad credentials) and whether the caller may act on a
 * project (403 otherwise). Errors are AppErrors.
 */
export interface Authenticator {
  identify(request: AuthRequest): Promise<Caller>;
  /**
   * Every check the headers allow, before the body is read: a token whole; for AK/SK the
   * Authorization header, the date, a known, enabled, unlocked access key and every signed
   * header present. Throws (or rejects with) the refusal. Answers at once, without a promise,
   * when every lookup it needs is remembered (the hot path's common case).
   */
  precheck(request: Omit<AuthRequest, 'body'>): MaybePromise<Precheck>;
  /** Throws (or rejects with) the refusal; answers at once when the project is remembered. */
  authorizeProject(caller: Caller, projectId: string): MaybePromise<Omit<Principal, 'appUserId'>>;
}
