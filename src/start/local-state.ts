import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { newId } from '../domain/ids.js';

/** What the local mode generates on first start and keeps (mode 0600). */
export interface LocalState {
  accessKey: string;
  secretKey: string;
  accountId: string;
  /** Per region: project id and URL-signing secret. */
  regions: Record<string, { projectId: string; urlSecret: string }>;
}

const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const randomChars = (n: number, chars: string): string =>
  Array.from(randomBytes(n), (b) => chars[b % chars.length]).join('');

/** Writes a private file atomically: temp name, mode 0600, rename. */
export function writePrivateJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** Loads the local mode's state, creating what is missing (new regions get a project). */
export function loadLocalState(dataDir: string, regionNames: string[]): LocalState {
  const file = path.join(dataDir, 'local-state.json');
  const state: LocalState = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as LocalState)
    : {
        accessKey: randomChars(20, alnum),
        secretKey: randomChars(40, `${alnum}abcdefghijklmnopqrstuvwxyz`),
        accountId: newId(),
        regions: {},
      };
  let changed = !existsSync(file);
  for (const name of regionNames) {
    if (!state.regions[name]) {
      state.regions[name] = { projectId: newId(), urlSecret: randomBytes(32).toString('hex') };
      changed = true;
    }
  }
  if (changed) writePrivateJson(file, state);
  return state;
}
