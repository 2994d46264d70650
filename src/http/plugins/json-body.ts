import type { FastifyInstance } from 'fastify';
import { AppError } from '../../domain/errors.js';

/**
 * JSON bodies: kept raw for signature checks; an empty body is accepted (the official SDK
 * sends `Content-Type: application/json` with nothing on DELETE and restore).
 */
export function registerJsonBody(app: FastifyInstance): void {
  // GET bodies too: the SDK's IAM calls (GET /v3/projects) send and sign `{}`.
  app.addHttpMethod('GET', { hasBody: true, overrideExisting: true });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(/^application\/([\w.+-]+\+)?json(\s*;.*)?$/i, { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    request.rawBody = raw;
    if (raw.length === 0) {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(raw.toString('utf8')));
    } catch {
      done(new AppError('jsonException', 'the body is not valid JSON'), undefined);
    }
  });
}
