import { AppError } from '../../domain/errors.js';
import type { AuthRequest, Authenticator, Caller, Precheck } from '../../ports/authenticator.js';
import { parseAuthorizationHeader, precheckSdkRequest, verifyPrechecked } from '../../auth/sdk-signature.js';
import type { Clock } from '../../ports/clock.js';
import type { Principal } from '../../domain/principal.js';
import type { Project } from '../../domain/identity.js';
import { andThen, type MaybePromise } from '../../domain/maybe-promise.js';
import type { IdentityService } from './identity-service.js';
import { FailureLock } from './failure-lock.js';

/**
 * The authentication step of a region: AK/SK (`SDK-HMAC-SHA256`, as the official SDK signs)
 * or an IAM token (`X-Auth-Token`), against the global identity store.
 */
export class IdentityAuthenticator implements Authenticator {
  private readonly lock: FailureLock;

  constructor(
    private readonly deps: {
      identity: IdentityService;
      clock: Clock;
      region: string;
      /** An access key was just locked for requests from `clientAddress`. */
      onLockout?: (accessKey: string, clientAddress: string) => void;
    },
  ) {
    // The real gateway locks an AK for 5 minutes after more than 5 consecutive bad signatures.
    // Here the lock is per (AK, client address): a stranger's failures never lock out the holder.
    this.lock = new FailureLock({ maxFailures: 5, lockMs: 5 * 60_000, clock: deps.clock });
  }

  async identify(request: AuthRequest): Promise<Caller> {
    const pre = await this.precheck(request);
    return 'caller' in pre ? pre.caller : pre.verify(request.body);
  }

  precheck(request: Omit<AuthRequest, 'body'>): MaybePromise<Precheck> {
    const token = request.headers['x-auth-token'];
    if (typeof token === 'string') {
      const result = this.deps.identity.tokens.verify(token, Math.floor(this.deps.clock.now().getTime() / 1000));
      if (!result.ok) throw new AppError('invalidToken', result.reason);
      const { claims } = result;
      return andThen(this.deps.identity.revokedTokenNow(claims), (revoked): Precheck => {
        if (revoked) throw new AppError('invalidToken', revoked);
        return { caller: { accountId: claims.accountId, via: 'token', tokenProjectId: claims.projectId } };
      });
    }
    const authorization = request.headers.authorization;
    if (authorization === undefined) {
      throw new AppError('authenticationFailed', 'send an Authorization header (SDK-HMAC-SHA256) or an X-Auth-Token');
    }
    const parsed = parseAuthorizationHeader(authorization);
    if ('error' in parsed) throw new AppError('authenticationFailed', parsed.error);
    const lockKey = `${parsed.accessKey} ${request.clientAddress}`;
    if (this.lock.isLocked(lockKey)) {
      throw new AppError('accessKeyLocked', 'too many consecutive bad signatures; try again in a few minutes');
    }
    return andThen(this.deps.identity.accessKeyNow(parsed.accessKey), (resolved): Precheck => {
      if (resolved.status === 'disabled') throw new AppError('authenticationFailed', 'the access key is disabled');
      // An unknown key is refused inside the precheck, after the date checks.
      const pre = precheckSdkRequest({
        headers: request.headers,
        authorization: parsed,
        now: this.deps.clock.now(),
        lookupSecret: () => (resolved.status === 'ok' ? resolved.secretKey : undefined),
      });
      if (!pre.ok) throw new AppError('authenticationFailed', pre.message);
      // A precheck passes only with a secret, and only a known, enabled key has one (above).
      const accountId = (resolved as Extract<typeof resolved, { status: 'ok' }>).accountId;
      return {
        verify: (body) => {
          const result = verifyPrechecked(pre, { method: request.method, rawUrl: request.rawUrl, headers: request.headers, body });
          if (!result.ok) {
            if (result.reason === 'signature_mismatch' && this.lock.fail(lockKey)) this.deps.onLockout?.(parsed.accessKey, request.clientAddress);
            throw new AppError('authenticationFailed', result.message);
          }
          this.lock.succeed(lockKey);
          return { accountId, via: 'aksk' };
        },
      };
    });
  }

  authorizeProject(caller: Caller, projectId: string): MaybePromise<Omit<Principal, 'appUserId'>> {
    return andThen(this.deps.identity.projectNow(projectId), (project) => this.authorized(caller, projectId, project));
  }

  private authorized(caller: Caller, projectId: string, project: Project | undefined): Omit<Principal, 'appUserId'> {
    if (!project || project.accountId !== caller.accountId) {
      throw new AppError('projectMismatch', `project ${projectId} is not the caller's`);
    }
    if (project.region !== this.deps.region) {
      throw new AppError('projectMismatch', `project ${projectId} is served by region ${project.region}, not ${this.deps.region}`);
    }
    if (caller.tokenProjectId !== undefined && caller.tokenProjectId !== projectId) {
      throw new AppError('projectMismatch', `the token is scoped to project ${caller.tokenProjectId}`);
    }
    return { accountId: caller.accountId, projectId };
  }
}
