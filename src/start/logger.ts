import { pino, type Logger } from 'pino';

/** Structured logs; credentials are redacted wherever they could appear. */
export function createLogger(level: string, bindings: Record<string, string> = {}): Logger {
  return pino({
    level,
    base: bindings,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-auth-token"]', 'headers.authorization', 'secret_key', 'secretKey'],
      censor: '[redacted]',
    },
  });
}
