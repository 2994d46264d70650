import type { Logger } from 'pino';
import type { KeyRing } from './replication/key-ring.js';

/** One dependency a region needs to serve: a cheap read that throws when it is unreachable. */
export interface DependencyCheck {
  readonly name: string;
  check(): Promise<unknown>;
}

export interface CheckResult {
  ok: boolean;
  /** Why not, in a word (`unreachable`, `timed out`): details go to the log, never to an unauthenticated caller. */
  error?: string;
  ms: number;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
  keyRing: {
    loaded: boolean;
    /** Copies need it: the region has peers. */
    required: boolean;
    activeKey?: string;
    keys?: string[];
  };
}

/**
 * Whether a region can serve: its metadata and identity databases and its blob store answer,
 * and it has a key ring if it has peers to copy from (without peers a missing ring is only
 * reported). Each check has `timeoutMs` (default 2 s).
 */
export class ReadinessProbe {
  constructor(
    private readonly o: { checks: readonly DependencyCheck[]; keyRing?: KeyRing; hasPeers: boolean; logger: Logger; timeoutMs?: number },
  ) {}

  private async run(c: DependencyCheck): Promise<CheckResult> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timed out'>((resolve) => (timer = setTimeout(() => resolve('timed out'), this.o.timeoutMs ?? 2_000)));
    try {
      const outcome = await Promise.race([c.check().then(() => 'ok' as const), timeout]);
      if (outcome === 'ok') return { ok: true, ms: Date.now() - started };
      this.o.logger.warn({ check: c.name }, `readiness: ${c.name} timed out`);
      return { ok: false, error: outcome, ms: Date.now() - started };
    } catch (err) {
      this.o.logger.warn({ err, check: c.name }, `readiness: ${c.name} unreachable`);
      return { ok: false, error: 'unreachable', ms: Date.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }

  async probe(): Promise<ReadinessReport> {
    const results = await Promise.all(this.o.checks.map(async (c) => [c.name, await this.run(c)] as const));
    const ring = this.o.keyRing;
    const keyRing = ring ? { loaded: true, required: this.o.hasPeers, activeKey: ring.activeId, keys: ring.ids() } : { loaded: false, required: this.o.hasPeers };
    return {
      ready: results.every(([, r]) => r.ok) && (keyRing.loaded || !keyRing.required),
      checks: Object.fromEntries(results),
      keyRing,
    };
  }
}
