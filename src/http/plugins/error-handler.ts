import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, isAppError } from '../../domain/errors.js';

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
    default:
      return undefined;
  }
}

// OPTIONS is left out: the CORS preflight route answers it on every path.
const probedMethods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

/** The methods a path answers to (none: the path is unknown, a 404; some: another method was used, a 405). */
function methodsOf(app: FastifyInstance, path: string): string[] {
  return probedMethods.filter((method) => app.findRoute({ method, url: path }) !== null);
}

/** One handler renders every error as `{error_code, error_msg}`; internals never leak. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = isAppError(error) ? error : fromFastify(error);
    if (known) {
      if (known.status >= 500) request.log.error({ err: error }, 'request failed');
      return reply.status(known.status).send({ error_code: known.code, error_msg: known.message });
    }
    if (error.statusCode && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ error_code: 'MSS.00000003', error_msg: error.message });
    }
    request.log.error({ err: error }, 'unexpected error');
    const internal = new AppError('internal');
    return reply.status(internal.status).send({ error_code: internal.code, error_msg: internal.message });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = methodsOf(app, path);
    if (allowed.length > 0) reply.header('Allow', allowed.join(', '));
    const err =
      allowed.length > 0
        ? new AppError('methodNotAllowed', `${request.method} ${path}; allowed: ${allowed.join(', ')}`)
        : new AppError('apiNotFound', `${request.method} ${path}`);
    return reply.status(err.status).send({ error_code: err.code, error_msg: err.message });
  });
}
