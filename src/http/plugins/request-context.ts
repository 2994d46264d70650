import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../observability/metrics.js';
import { countQueriesOf, type QueryTally } from '../../observability/query-count.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Database queries made for this request (the access log's `queries`). */
    queryTally?: QueryTally;
  }
}

const wellFormed = /^[A-Za-z0-9._:-]{8,128}$/;

/** Request id from `X-Request-Id` when well formed, else a new one (32 hex). */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && wellFormed.test(given) ? given : randomUUID().replaceAll('-', '');
}

/**
 * Echoes the request id on every response, counts the request's database queries and writes
 * one access-log line per request. The count follows the request's asynchronous work from
 * `onRequest`, and again from `preValidation` (a body arrives through stream events, outside
 * the request's asynchronous context).
 */
export function registerRequestContext(app: FastifyInstance, metrics: Metrics): void {
  const observe = requestObserver(metrics);
  const log = app.log;
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    const tally = { queries: 0 };
    request.queryTally = tally;
    countQueriesOf(tally, done);
  });
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.queryTally) countQueriesOf(request.queryTally, done);
    else done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const operation = request.routeOptions.config.operation ?? 'unknown';
    const queries = request.queryTally?.queries ?? 0;
    observe(operation, reply.statusCode, reply.elapsedTime / 1000, queries);
    // The root logger, with the request id first: the line `request.log` would write, without
    // making the request's child logger (`request-logger.ts`).
    log.info(
      {
        reqId: request.id,
        op: operation,
        method: request.method,
        // The query may carry a URL signature: never logged.
        path: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        queries,
        project: request.principal?.projectId,
      },
      'request',
    );
    done();
  });
}

/**
 * Records one request in the request metrics. Each operation's series (and each status of it)
 * are looked up once and kept: a labelled observation otherwise hashes its labels every time.
 */
function requestObserver(metrics: Metrics): (operation: string, status: number, seconds: number, queries: number) => void {
  interface Series {
    seconds: ReturnType<Metrics['requestSeconds']['labels']>;
    queries: ReturnType<Metrics['requestQueries']['labels']>;
    byStatus: Map<number, ReturnType<Metrics['requests']['labels']>>;
  }
  const byOperation = new Map<string, Series>();
  return (operation, status, seconds, queries) => {
    let series = byOperation.get(operation);
    if (!series) {
      series = { seconds: metrics.requestSeconds.labels(operation), queries: metrics.requestQueries.labels(operation), byStatus: new Map() };
      byOperation.set(operation, series);
    }
    let requests = series.byStatus.get(status);
    if (!requests) {
      requests = metrics.requests.labels(operation, String(status));
      series.byStatus.set(status, requests);
    }
    requests.inc();
    series.seconds.observe(seconds);
    series.queries.observe(queries);
  };
}
