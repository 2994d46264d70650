import { readFileSync } from 'node:fs';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Raw settings: `ASSETBRIDGE_*` names and their text values (the process environment's shape). */
export type Env = Readonly<Record<string, string | undefined>>;

/** Env vars win over the optional JSON file named by ASSETBRIDGE_CONFIG_FILE (same keys). */
export function loadSettings(env: Env): Env {
  const file = env.ASSETBRIDGE_CONFIG_FILE;
  if (!file) return env;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([`ASSETBRIDGE_CONFIG_FILE: cannot read ${file}: ${(err as Error).message}`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`ASSETBRIDGE_CONFIG_FILE: ${file} must hold a JSON object`]);
  }
  const fromFile: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const name = key.startsWith('ASSETBRIDGE_') ? key : `ASSETBRIDGE_${key.toUpperCase()}`;
    fromFile[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return { ...fromFile, ...env };
}

/** Reads `ASSETBRIDGE_<name>` values; collects every problem instead of stopping at the first. */
export class SettingsReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string, fallback?: string): string {
    const value = this.env[`ASSETBRIDGE_${name}`];
    if (value !== undefined && value !== '') return value;
    if (fallback === undefined) this.problems.push(`ASSETBRIDGE_${name} is required`);
    return fallback ?? '';
  }

  optional(name: string): string | undefined {
    const value = this.env[`ASSETBRIDGE_${name}`];
    return value === undefined || value === '' ? undefined : value;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.problems.push(`ASSETBRIDGE_${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return Number(raw);
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    this.problems.push(`ASSETBRIDGE_${name} must be true or false (got "${raw}")`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`ASSETBRIDGE_${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
    return fallback;
  }

  check(ok: boolean, problem: string): void {
    if (!ok) this.problems.push(problem);
  }

  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}
