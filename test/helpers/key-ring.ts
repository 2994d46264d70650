import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseKeyRing } from '../../src/services/replication/key-ring.js';
import { parseManifest } from '../../src/services/replication/manifest.js';
import { openInfo, type SealedInfo } from '../../src/services/replication/seal.js';

/** Writes a replication key ring with one fresh key `k1` into `dir`: its file and the key (base64). */
export function writeKeyRing(dir: string): { file: string; key: string } {
  const file = path.join(dir, 'keyring.json');
  const key = randomBytes(16).toString('base64');
  writeFileSync(file, JSON.stringify({ active: 'k1', keys: { k1: key } }));
  return { file, key };
}

/**
 * The download capability each file of sealed replication info grants `region`, by file id:
 * what region B reads from the info on import (its stored copy drops them once the copy ends).
 */
export function capabilitiesIn(ringKey: string, info: SealedInfo, region: string): Record<string, string> {
  const opened = openInfo(parseKeyRing({ active: 'k1', keys: { k1: ringKey } }), info);
  if (!opened.ok) throw new Error(`the info does not open: ${opened.reason}`);
  const manifest = parseManifest(opened.plaintext.toString('utf8'));
  if (!manifest) throw new Error('the info holds no manifest');
  return Object.fromEntries(manifest.files.map((f) => [f.id, f.caps[region] ?? '']));
}
