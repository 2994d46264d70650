import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.js';
import { isId } from '../../domain/ids.js';
import type { Authenticator, Caller } from '../../ports/authenticator.js';

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
  return authenticator.identify({
    method: request.method,
    rawUrl: request.raw.url ?? request.url,
    headers: request.headers,
    body: request.rawBody ?? Buffer.alloc(0),
    clientAddress: request.ip,
  });
}

/**
 * The one authentication step in front of every `/v1/{project_id}/...` route: it runs before
 * validation, so an anonymous caller learns nothing about the input rules.
 */
export function registerAuth(app: FastifyInstance, authenticator: Authenticator): void {
  app.addHook('preValidation', async (request) => {
    if (request.routeOptions.config.public) return;
    const params = request.params as { project_id?: string };
    const pathProjectId = params.project_id ?? '';
    if (!isId(pathProjectId)) throw new AppError('illegalUrlParameter', 'project_id must be 32 lowercase hex characters');
    const caller = await identifyCaller(request, authenticator);
    const headerProject = request.headers['x-project-id'];
    if (headerProject !== undefined && headerProject !== pathProjectId) {
      throw new AppError('projectMismatch', 'X-Project-Id differs from the project in the path');
    }
    const principal = await authenticator.authorizeProject(caller, pathProjectId);
    request.principal = { ...principal, appUserId: appUserIdOf(request) };
  });
}
