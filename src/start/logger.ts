import { pino, type Logger } from 'pino';

/** Lines are written once this many bytes wait, or every `logFlushMs` (one write per line cost a system call each). */
const logBatchBytes = 4_096;
const logFlushMs = 100;

/**
 * Structured logs to stdout; credentials are redacted wherever they could appear. Lines are
 * written asynchronously (no synchronous write on a request's path; lines written while one
 * write is under way go out together), in batches of 4 KiB or every 100 ms, whichever comes
 * first, and flushed when the process exits.
 */
export function createLogger(level: string, bindings: Record<string, string> = {}): Logger {
  return pino({
    level,
    base: bindings,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-auth-token"]', 'headers.authorization', 'secret_key', 'secretKey'],
      censor: '[redacted]',
    },
  }, pino.destination({ dest: 1, sync: false, minLength: logBatchBytes, periodicFlush: logFlushMs }));
}
