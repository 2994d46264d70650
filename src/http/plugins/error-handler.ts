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
    const err = new AppError('apiNotFound', `${request.method} ${request.url.split('?')[0] ?? ''}`);
    return reply.status(err.status).send({ error_code: err.code, error_msg: err.message });
  });
}
