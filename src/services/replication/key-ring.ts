import { readFileSync } from 'node:fs';

/** Replication keys shared by every region of a deployment: one seals, all listed open. */
export interface KeyRingData {
  /** Key id that seals new replication info. */
  active: string;
  /** key id -> base64 of a 16-byte AES-128 key. */
  keys: Record<string, string>;
}

const keyIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

export class KeyRingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRingError';
  }
}

/** Parses and checks a key ring; errors never include key material. */
export function parseKeyRing(data: unknown): KeyRing {
  const d = data as Partial<KeyRingData> | null;
  if (!d || typeof d !== 'object' || typeof d.active !== 'string' || typeof d.keys !== 'object' || d.keys === null) {
    throw new KeyRingError('key ring must be {"active": "<id>", "keys": {"<id>": "<base64 16 bytes>"}}');
  }
  const keys = new Map<string, Buffer>();
  for (const [id, value] of Object.entries(d.keys)) {
    if (!keyIdPattern.test(id)) throw new KeyRingError(`key id "${id}" must be 1-64 of A-Z a-z 0-9 . _ -`);
    const key = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
    if (key.length !== 16 || key.toString('base64') !== value) throw new KeyRingError(`key "${id}" must be the base64 of 16 bytes`);
    keys.set(id, key);
  }
  if (!keys.has(d.active)) throw new KeyRingError(`active key "${d.active}" is not in the ring`);
  return new KeyRing(d.active, keys);
}

export function loadKeyRing(file: string): KeyRing {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new KeyRingError(`cannot read key ring ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return parseKeyRing(JSON.parse(text));
  } catch (err) {
    if (err instanceof KeyRingError) throw err;
    throw new KeyRingError(`key ring ${file} is not valid JSON`);
  }
}

/** Holds the keys in memory only; counts seals per key (for metrics and rotation checks). */
export class KeyRing {
  readonly sealsByKey = new Map<string, number>();

  constructor(
    readonly activeId: string,
    private readonly keys: ReadonlyMap<string, Buffer>,
  ) {}

  /** The active key, for sealing; counts the use. */
  sealingKey(): { id: string; key: Buffer } {
    const key = this.keys.get(this.activeId);
    if (!key) throw new KeyRingError('active key missing');
    this.sealsByKey.set(this.activeId, (this.sealsByKey.get(this.activeId) ?? 0) + 1);
    return { id: this.activeId, key };
  }

  /** A key that may still open seals, or undefined when unknown or retired. */
  openingKey(id: string): Buffer | undefined {
    return this.keys.get(id);
  }

  ids(): string[] {
    return [...this.keys.keys()];
  }
}
