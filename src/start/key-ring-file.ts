import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writePrivateJson } from './local-state.js';
import { KeyRingError, parseKeyRing, type KeyRingData } from '../services/replication/key-ring.js';

/**
 * Operator edits of a key-ring file. Rotation across regions: `add` the new key to every
 * region's file, then `activate` it everywhere, then `retire` the old one once the longest
 * token lifetime (replication TTL + copy window) has passed. Key material is never printed
 * except by `generate`, which an operator pipes into `add` on each region.
 */
export class KeyRingFile {
  constructor(readonly file: string) {}

  read(): KeyRingData {
    if (!existsSync(this.file)) throw new KeyRingError(`no key ring at ${this.file} (create one with keys add --activate)`);
    const data = JSON.parse(readFileSync(this.file, 'utf8')) as KeyRingData;
    parseKeyRing(data);
    return data;
  }

  private write(data: KeyRingData): void {
    parseKeyRing(data);
    writePrivateJson(this.file, data);
  }

  static generateKey(): string {
    return randomBytes(16).toString('base64');
  }

  /** Adds a key (the first key of a new ring becomes active). */
  add(id: string, key: string, activate = false): void {
    const data: KeyRingData = existsSync(this.file) ? this.read() : { active: id, keys: {} };
    if (data.keys[id] !== undefined && data.keys[id] !== key) throw new KeyRingError(`key "${id}" exists with other material`);
    data.keys[id] = key;
    if (activate) data.active = id;
    this.write(data);
  }

  activate(id: string): void {
    const data = this.read();
    if (data.keys[id] === undefined) throw new KeyRingError(`no key "${id}" in the ring`);
    data.active = id;
    this.write(data);
  }

  retire(id: string): void {
    const data = this.read();
    if (data.active === id) throw new KeyRingError(`key "${id}" is active: activate another key first`);
    if (data.keys[id] === undefined) throw new KeyRingError(`no key "${id}" in the ring`);
    delete data.keys[id];
    this.write(data);
  }

  list(): { id: string; active: boolean }[] {
    const data = this.read();
    return Object.keys(data.keys).map((id) => ({ id, active: id === data.active }));
  }
}
