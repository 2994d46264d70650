import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../observability/metrics.js';

const wellFormed = /^[A-Za-z0-9._:-]{8,128}$/;

/** Request id from `X-Request-Id` when well formed, else a new one (32 hex). */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && wellFormed.test(given) ? given : randomUUID().replaceAll('-', '');
}

/** Echoes the request id on every response and writes one access-log line per request. */
export function registerRequestContext(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const operation = request.routeOptions.config.operation ?? 'unknown';
    metrics.requests.inc({ operation, status: String(reply.statusCode) });
    metrics.requestSeconds.observe({ operation }, reply.elapsedTime / 1000);
    request.log.info(
      {
        op: operation,
        method: request.method,
        // The query may carry a URL signature: never logged.
        path: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        project: request.principal?.projectId,
      },
      'request',
    );
  });
}
