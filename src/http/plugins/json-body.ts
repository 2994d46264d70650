import type { FastifyInstance } from 'fastify';
import { AppError } from '../../domain/errors.js';

/** Deepest nesting of objects and arrays a JSON body may have (the body itself is level 1). */
export const maxJsonDepth = 32;

/**
 * The path (`field.sub[2]...`) of the first value nested deeper than `limit` levels, or
 * undefined. Iterative: a body nested thousands deep must not exhaust the stack.
 */
export function tooDeepAt(value: unknown, limit: number): string | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 1 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth > limit) return item.path;
    const entries: [string, unknown][] = Array.isArray(item.value) ? item.value.map((v, i) => [`[${i}]`, v]) : Object.entries(item.value).map(([k, v]) => [`.${k}`, v]);
    for (const [step, v] of entries) stack.push({ value: v, path: `${item.path}${step}`, depth: item.depth + 1 });
  }
  return undefined;
}

/** The field to name in the error: the top-level one, and where the limit was crossed. */
function describeDeep(path: string): string {
  const field = /^\.?([^.[]+)/.exec(path)?.[1] ?? 'the body';
  const shown = path.replace(/^\./, '');
  return `${field} is nested deeper than ${maxJsonDepth} levels (at ${shown.length > 120 ? `${shown.slice(0, 120)}...` : shown})`;
}

/**
 * JSON bodies: kept raw for signature checks; an empty body is accepted (the official SDK
 * sends `Content-Type: application/json` with nothing on DELETE and restore). Nesting deeper
 * than `maxJsonDepth` is refused with the field named.
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
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      done(new AppError('jsonException', 'the body is not valid JSON'), undefined);
      return;
    }
    const deep = tooDeepAt(parsed, maxJsonDepth);
    if (deep !== undefined) {
      done(new AppError('jsonTooDeep', describeDeep(deep)), undefined);
      return;
    }
    done(null, parsed);
  });
}
