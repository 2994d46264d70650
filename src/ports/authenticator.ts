import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../domain/principal.js';

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

/**
 * Establishes who calls (401 on bad credentials) and whether the caller may act on a
 * project (403 otherwise). Errors are AppErrors.
 */
export interface Authenticator {
  identify(request: AuthRequest): Promise<Caller>;
  authorizeProject(caller: Caller, projectId: string): Promise<Omit<Principal, 'appUserId'>>;
}
