import type { Logger } from 'pino';

/** Work a region does on its own, apart from requests: started only by the roles that run loops. */
export interface BackgroundLoop {
  readonly name: string;
  start(): void;
  /** Resolves once the loop does nothing more. */
  stop(): Promise<void>;
}

/**
 * Every background loop of a region, in one place (`worker` and `all` processes start them;
 * `api` processes never do). Each loop must be safe when several processes of the region run
 * it at once: it claims its work with a lease, or each of its writes is conditional, so a
 * second process doing the same step changes nothing.
 */
export class BackgroundLoops {
  private readonly loops: BackgroundLoop[] = [];
  private started = false;

  constructor(private readonly logger: Logger) {}

  /** A loop that schedules itself (the copy worker). */
  add(loop: BackgroundLoop): void {
    if (this.started) throw new Error(`background loop ${loop.name} registered after the loops started`);
    this.loops.push(loop);
  }

  /** `run` every `intervalMs` (first after one interval), never two runs at once; a failed run is logged and the next one comes. */
  every(name: string, intervalMs: number, run: () => Promise<unknown>): void {
    let timer: NodeJS.Timeout | undefined;
    let current: Promise<void> | undefined;
    const tick = () => {
      if (current) return;
      current = run()
        .then(() => undefined)
        .catch((err: unknown) => this.logger.error({ err, loop: name }, `${name} failed`))
        .finally(() => (current = undefined));
    };
    this.add({
      name,
      start: () => {
        timer = setInterval(tick, intervalMs);
        timer.unref();
      },
      stop: async () => {
        clearInterval(timer);
        await current;
      },
    });
  }

  names(): string[] {
    return this.loops.map((l) => l.name);
  }

  get running(): boolean {
    return this.started;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const loop of this.loops) loop.start();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    await Promise.all(this.loops.map((l) => l.stop()));
  }
}
