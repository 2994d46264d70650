import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const mainScript = path.resolve('dist/bin/server.js');

export interface LocalJson {
  access_key: string;
  secret_key: string;
  account: { id: string; name: string };
  user: { name: string; password: string };
  regions: { name: string; endpoint: string; project_id: string }[];
}

/** Starts `assetbridge local` as a real process and waits for its local.json. */
export async function startLocalProcess(
  dataDir: string,
  env: Record<string, string> = {},
  command: string[] = [mainScript, 'local'],
): Promise<{ child: ChildProcess; local: LocalJson; output: () => string }> {
  const file = path.join(dataDir, 'local.json');
  let output = '';
  const child = spawn(process.execPath, command, {
    env: { ...process.env, ASSETBRIDGE_DATA_DIR: dataDir, ASSETBRIDGE_PORT: '0', ASSETBRIDGE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`local mode exited: ${output}`);
    // The line naming local.json is printed once the file is written for this run.
    if (output.includes('local.json') && existsSync(file)) {
      return { child, local: JSON.parse(readFileSync(file, 'utf8')) as LocalJson, output: () => output };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`local mode did not start: ${output}`);
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  // A process ended by a signal has no exit code, only its signal.
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  return exited;
}
