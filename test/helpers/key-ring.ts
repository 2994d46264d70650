import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** Writes a replication key ring with one fresh key `k1` into `dir`: its file and the key (base64). */
export function writeKeyRing(dir: string): { file: string; key: string } {
  const file = path.join(dir, 'keyring.json');
  const key = randomBytes(16).toString('base64');
  writeFileSync(file, JSON.stringify({ active: 'k1', keys: { k1: key } }));
  return { file, key };
}
