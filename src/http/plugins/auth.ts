import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.js';
import { isId } from '../../domain/ids.js';
import type { AuthRequest, Authenticator, Caller, Precheck } from '../../ports/authenticator.js';
import type { Principal } from '../../domain/principal.js';
import type { MaybePromise } from '../../domain/maybe-promise.js';

const appUserIdPattern = /^[\x21-\x7e]{1,64}$/;

/** `X-App-UserId`: printable ASCII without spaces, at most 64 characters. */
export function appUserIdOf(request: FastifyRequest): string | undefined {
  const value = request.headers['x-app-userid'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !appUserIdPattern.test(value)) {
    throw new AppError('invalidParameter', 'X-App-UserId must be 1 to 64 printable ASCII characters');
  }
  return value;
}

/** Who calls: AK/SK signature over the raw bytes, or a token. */
export function identifyCaller(request: FastifyRequest, authenticator: Authenticator): Promise<Caller> {
  return authenticator.identify({ ...headOf(request), body: request.rawBody ?? Buffer.alloc(0) });
}

function headOf(request: FastifyRequest): Omit<AuthRequest, 'body'> {
  return { method: request.method, rawUrl: request.raw.url ?? request.url, headers: request.headers, clientAddress: request.ip };
}

const hasBody = (request: FastifyRequest): boolean =>
  request.headers['transfer-encoding'] !== undefined || (request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0');

/** Bodies of AK/SK requests being received before their signature can be checked, per client address. */
class UnverifiedBodies {
  private readonly byAddress = new Map<string, number>();
  constructor(private readonly max: number) {}

  /** Takes a slot for `address`; the returned function gives it back (once, however often called). */
  take(address: string): (() => void) | undefined {
    const n = this.byAddress.get(address) ?? 0;
    if (n >= this.max) return undefined;
    this.byAddress.set(address, n + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const left = (this.byAddress.get(address) ?? 1) - 1;
      if (left > 0) this.byAddress.set(address, left);
      else this.byAddress.delete(address);
    };
  }
}

/**
 * The one authentication step in front of every `/v1/{project_id}/...` route. Before the body
 * is read (preParsing): the project id, then every check the headers allow (a token whole; an
 * AK/SK request's key, date and signed headers), and at most `maxUnverifiedBodies` AK/SK
 * bodies per client address received at once. A refusal there is answered without reading the
 * body, and the connection closed. Once the body has arrived (preValidation, before input
 * validation, so an anonymous caller learns nothing about the input rules): the signature,
 * then the project.
 */
export function registerAuth(app: FastifyInstance, authenticator: Authenticator, options: { maxUnverifiedBodies: number }): void {
  const bodies = new UnverifiedBodies(options.maxUnverifiedBodies);
  // Callback hooks: when every lookup is remembered (the common case), a request passes both
  // steps without a promise.
  app.addHook('preParsing', (request, reply, payload, done) => {
    if (request.routeOptions.config.public) {
      done(null, payload);
      return;
    }
    const refuse = (err: unknown): void => {
      // The body is never read: the connection cannot carry another request.
      reply.header('Connection', 'close');
      done(err as Error);
    };
    const passed = (pre: Precheck): void => {
      if ('caller' in pre) {
        request.caller = pre.caller;
        done(null, payload);
        return;
      }
      // A body that has already arrived whole (small: a large one waits for us to read it) holds
      // nothing open; one still arriving holds a slot until it can be verified.
      if (hasBody(request) && !request.raw.complete) {
        const release = bodies.take(request.ip);
        if (!release) {
          refuse(new AppError('tooManyUnverifiedBodies', `more than ${options.maxUnverifiedBodies} signed requests from this address are sending their bodies; retry shortly`, { retryAfterSeconds: 1 }));
          return;
        }
        request.releaseBodySlot = release;
        reply.raw.once('close', release);
      }
      request.verifySignature = pre.verify;
      done(null, payload);
    };
    let pre: MaybePromise<Precheck>;
    try {
      const params = request.params as { project_id?: string };
      if (!isId(params.project_id ?? '')) throw new AppError('illegalUrlParameter', 'project_id must be 32 lowercase hex characters');
      pre = authenticator.precheck(headOf(request));
    } catch (err) {
      refuse(err);
      return;
    }
    // `done` is called outside the try: what it runs next must never see this hook's catch.
    if (pre instanceof Promise) pre.then(passed, refuse);
    else passed(pre);
  });
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.routeOptions.config.public) {
      done();
      return;
    }
    const authorized = (principal: Omit<Principal, 'appUserId'>): void => {
      try {
        request.principal = { ...principal, appUserId: appUserIdOf(request) };
      } catch (err) {
        done(err as Error);
        return;
      }
      done();
    };
    let principal: MaybePromise<Omit<Principal, 'appUserId'>>;
    try {
      request.releaseBodySlot?.();
      const caller = request.caller ?? request.verifySignature?.(request.rawBody ?? Buffer.alloc(0));
      if (!caller) throw new Error('authentication step skipped');
      const pathProjectId = (request.params as { project_id: string }).project_id;
      const headerProject = request.headers['x-project-id'];
      if (headerProject !== undefined && headerProject !== pathProjectId) {
        throw new AppError('projectMismatch', 'X-Project-Id differs from the project in the path');
      }
      principal = authenticator.authorizeProject(caller, pathProjectId);
    } catch (err) {
      done(err as Error);
      return;
    }
    if (principal instanceof Promise) principal.then(authorized, (err: Error) => done(err));
    else authorized(principal);
  });
}
