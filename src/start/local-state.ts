import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { localStateFile } from '../config/index.js';

/** The demo identity the local mode creates on first start. */
export interface LocalDemo {
  accountName: string;
  userName: string;
  password: string;
  accessKey: string;
  secretKey: string;
}

/** What the local mode generates on first start and keeps (`local-state.json`, mode 0600). */
export interface LocalState {
  /** 64 hex: encrypts secrets in the identity store. */
  masterKey: string;
  /** Per region: the URL-signing secret. */
  regions: Record<string, { urlSecret: string }>;
  demo?: LocalDemo;
}

/** Writes a private file atomically: temp name, mode 0600, rename. */
export function writePrivateJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

export function writeLocalState(dataDir: string, state: LocalState): void {
  writePrivateJson(localStateFile(dataDir), state);
}

/** Loads the local mode's state, creating what is missing (new regions get a URL secret). */
export function loadLocalState(dataDir: string, regionNames: readonly string[]): LocalState {
  const file = localStateFile(dataDir);
  const exists = existsSync(file);
  const state: LocalState = exists
    ? (JSON.parse(readFileSync(file, 'utf8')) as LocalState)
    : { masterKey: randomBytes(32).toString('hex'), regions: {} };
  let changed = !exists;
  for (const name of regionNames) {
    if (!state.regions[name]) {
      state.regions[name] = { urlSecret: randomBytes(32).toString('hex') };
      changed = true;
    }
  }
  if (changed) writePrivateJson(file, state);
  return state;
}

/** The local mode's replication key ring: one key, generated once, shared by its regions. */
export function ensureLocalKeyRing(file: string): void {
  if (existsSync(file)) return;
  writePrivateJson(file, { active: 'k1', keys: { k1: randomBytes(16).toString('base64') } });
}
