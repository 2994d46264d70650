import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../services/principal.js';

/** What the authentication step sees of a request. */
export interface AuthRequest {
  method: string;
  /** Path and query exactly as received. */
  rawUrl: string;
  headers: IncomingHttpHeaders;
  /** Body bytes as received (empty when none). */
  body: Buffer;
  /** The `{project_id}` of the path. */
  pathProjectId: string;
}

/**
 * Establishes who calls. Throws AppError (401 bad credentials, 403 wrong project) when the
 * request may not act on the path's project. The principal's `appUserId` is left to the caller.
 */
export interface Authenticator {
  authenticate(request: AuthRequest): Promise<Omit<Principal, 'appUserId'>>;
}
