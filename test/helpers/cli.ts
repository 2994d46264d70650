import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export const cliScript = path.resolve('dist/cli/main.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `assetbridge ARGS` as its own process. The environment is the test's, without any
 * ASSETBRIDGE_* variable, plus `env`.
 */
export function assetbridge(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [cliScript, ...args], { env: cliEnv(env), maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/** The test's environment without ASSETBRIDGE_* variables, plus `env`. */
export function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ASSETBRIDGE_')));
  return { ...clean, ...env };
}

/** Starts `assetbridge ARGS` and collects its output as it comes (for signals mid-run). */
export function spawnCli(args: string[], env: Record<string, string>): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [cliScript, ...args], { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Waits until `condition` holds (polling), failing after `ms`. */
export async function until(condition: () => boolean, ms = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Writes `bytes` to `<dataDir>/<name>.bin` and uploads it as an asset named `name` (its id). */
export async function uploadBytes(dataDir: string, name: string, bytes: Buffer): Promise<string> {
  const file = path.join(dataDir, `${name}.bin`);
  writeFileSync(file, bytes);
  const up = await assetbridge(['upload', file, '--type', 'VIDEO', '--name', name, '--json'], { ASSETBRIDGE_DATA_DIR: dataDir });
  if (up.code !== 0) throw new Error(`upload of ${name} failed: ${up.stdout}${up.stderr}`);
  return (JSON.parse(up.stdout) as { asset_id: string }).asset_id;
}
