import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError, type ErrorKind } from '../../domain/errors.js';

/** Other client errors (of Fastify or a plugin), by HTTP status: the catalogue entry that says the same. */
const kindByStatus: Partial<Record<number, ErrorKind>> = {
  400: 'invalidParameter',
  401: 'authenticationFailed',
  403: 'forbidden',
  404: 'apiNotFound',
  405: 'methodNotAllowed',
  413: 'bodyTooLarge',
  415: 'invalidBody',
  416: 'rangeNotSatisfiable',
};

/** Maps Fastify's own errors to the catalogue. */
function fromFastify(err: FastifyError): AppError | undefined {
  if (err.validation) {
    const detail = err.message;
    return err.validationContext === 'params' ? new AppError('illegalUrlParameter', detail) : new AppError('invalidParameter', detail);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('bodyTooLarge', 'the body exceeds the size limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('invalidBody', 'unsupported Content-Type; send application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('jsonException', err.message);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('invalidBody', 'Content-Length does not match the body');
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError('illegalUrlParameter', err.message);
    default:
      // Any other client error keeps its meaning through the catalogue entry of its status.
      if (err.statusCode && err.statusCode < 500) return new AppError(kindByStatus[err.statusCode] ?? 'invalidParameter', err.message);
      return undefined;
  }
}

// OPTIONS is left out: the CORS preflight route answers it on every path.
const probedMethods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

/** The methods a path answers to (none: the path is unknown, a 404; some: another method was used, a 405). */
function methodsOf(app: FastifyInstance, path: string): string[] {
  return probedMethods.filter((method) => app.findRoute({ method, url: path }) !== null);
}

/** Renders an error; a 503 (starting, or a database busy past its timeout) says when to retry. */
const send = (reply: FastifyReply, err: AppError) => {
  if (err.kind === 'unavailable') reply.header('Retry-After', '1');
  return reply.status(err.status).send({ error_code: err.code, error_msg: err.message });
};

/**
 * Errors Fastify raises before routing (a URL that does not decode, a path segment over the
 * length limit): the `frameworkErrors` option of the Fastify instance. No hook has run yet, so
 * the request id is set here.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('X-Request-Id', request.id);
  void send(reply, fromFastify(error) ?? new AppError('invalidParameter', error.message));
}

/** One handler renders every error as `{error_code, error_msg}`; internals never leak. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = isAppError(error) ? error : fromFastify(error);
    if (known) {
      if (known.status >= 500) request.log.error({ err: error }, 'request failed');
      return send(reply, known);
    }
    request.log.error({ err: error }, 'unexpected error');
    return send(reply, new AppError('internal'));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = methodsOf(app, path);
    if (allowed.length > 0) reply.header('Allow', allowed.join(', '));
    const err =
      allowed.length > 0
        ? new AppError('methodNotAllowed', `${request.method} ${path}; allowed: ${allowed.join(', ')}`)
        : new AppError('apiNotFound', `${request.method} ${path}`);
    return send(reply, err);
  });
}
