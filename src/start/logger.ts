import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Lines are handed to the writer once this many characters wait, or every `logFlushMs` (each
 * hand-over is a write on the thread pool: one per line cost a system call and a thread
 * wake-up each).
 */
const logBatchChars = 16_384;
const logFlushMs = 100;

type Writer = ReturnType<typeof pino.destination>;

/**
 * Gathers lines in memory and hands them to the writer in one piece: an array push per line,
 * where the writer itself appends to a string it measures again at every line.
 */
class LineBatch implements DestinationStream {
  private lines: string[] = [];
  private chars = 0;

  constructor(private readonly out: Writer) {}

  write(line: string): void {
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= logBatchChars) this.handOver();
  }

  handOver(): void {
    if (this.chars === 0 || (this.out as unknown as { destroyed: boolean }).destroyed) return;
    const text = this.lines.join('');
    this.lines = [];
    this.chars = 0;
    this.out.write(text);
  }

  /** Used by `logger.flush()`. */
  flush(cb?: (err?: Error) => void): void {
    this.handOver();
    this.out.flush(cb);
  }
}

const batches = new Set<LineBatch>();
let timer: NodeJS.Timeout | undefined;

function track(batch: LineBatch): void {
  batches.add(batch);
  if (timer) return;
  timer = setInterval(() => batches.forEach((b) => b.handOver()), logFlushMs);
  timer.unref();
  // The writer writes what it holds when the process exits; what waits here goes to it first
  // (before the writer's own exit handlers, which pino registered earlier).
  process.prependOnceListener('beforeExit', () => batches.forEach((b) => b.handOver()));
  process.prependOnceListener('exit', () => batches.forEach((b) => b.handOver()));
}

/**
 * Structured logs to stdout; credentials are redacted wherever they could appear. Lines are
 * written asynchronously (no synchronous write on a request's path; lines written while one
 * write is under way go out together), in batches of 16 KiB or every 100 ms, whichever comes
 * first, and flushed when the process exits. `fd`: where the lines go (stdout by default).
 */
export function createLogger(level: string, bindings: Record<string, string> = {}, fd = 1): Logger {
  const batch = new LineBatch(pino.destination({ dest: fd, sync: false, periodicFlush: logFlushMs }));
  track(batch);
  return pino({
    level,
    base: bindings,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-auth-token"]', 'headers.authorization', 'secret_key', 'secretKey'],
      censor: '[redacted]',
    },
  }, batch);
}
