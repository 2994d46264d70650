import type { FastifyInstance } from 'fastify';
import { AppError } from '../../domain/errors.js';

/**
 * Why a raw request target could be read one way by the router and another by the AK/SK
 * canonical request, or `undefined` when both read the same path and query:
 * - a `#` (the router takes what follows as the query, the canonical request drops it);
 * - anything but origin form (`/path?query`);
 * - a query part whose percent-encoding does not decode (the query parser would keep it raw).
 */
export function requestTargetProblem(rawUrl: string): string | undefined {
  if (rawUrl.includes('#')) return 'the request target contains "#"';
  if (!rawUrl.startsWith('/')) return 'the request target must be a path starting with "/"';
  const q = rawUrl.indexOf('?');
  if (q >= 0) {
    for (const part of rawUrl.slice(q + 1).split(/[&=]/)) {
      try {
        decodeURIComponent(part);
      } catch {
        return 'the query contains invalid percent-encoding';
      }
    }
  }
  return undefined;
}

/** Refuses such targets (400) before anything else runs: body reading, authentication, the handler. */
export function registerRequestTarget(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const problem = requestTargetProblem(request.raw.url ?? '');
    done(problem ? new AppError('ambiguousRequestTarget', problem) : undefined);
  });
}
