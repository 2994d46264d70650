import { AppError } from '../domain/errors.js';
import type { AuthRequest, Authenticator } from '../ports/authenticator.js';
import { verifySdkSignature } from '../auth/sdk-signature.js';
import type { Clock } from './clock.js';
import type { Principal } from './principal.js';

/**
 * One AK/SK from config, bound to one project: the authentication step of a region that has
 * no identity store. Verifies SDK-HMAC-SHA256 exactly as the official SDK signs.
 */
export class StaticAuthenticator implements Authenticator {
  constructor(
    private readonly credential: { accessKey: string; secretKey: string; projectId: string; accountId: string },
    private readonly clock: Clock,
  ) {}

  async authenticate(request: AuthRequest): Promise<Omit<Principal, 'appUserId'>> {
    const result = verifySdkSignature({
      method: request.method,
      rawUrl: request.rawUrl,
      headers: request.headers,
      body: request.body,
      now: this.clock.now(),
      lookupSecret: (ak) => (ak === this.credential.accessKey ? this.credential.secretKey : undefined),
    });
    if (!result.ok) throw new AppError('authenticationFailed', result.message);
    const headerProject = request.headers['x-project-id'];
    if (headerProject !== undefined && headerProject !== request.pathProjectId) {
      throw new AppError('projectMismatch', 'X-Project-Id differs from the project in the path');
    }
    if (request.pathProjectId !== this.credential.projectId) {
      throw new AppError('projectMismatch', `project ${request.pathProjectId} is not the credential's project`);
    }
    return { accountId: this.credential.accountId, projectId: this.credential.projectId };
  }
}
