import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ruleDeliveryPurpose } from '../../domain/replication-rule.js';
import type { KeyRing } from './key-ring.js';

export const sealAlgorithm = 'AES128_GCM';

/** The envelope of ShowAssetReplicationInfo / CreateAssetByReplicationInfo. */
export interface SealedInfo {
  asset_id: string;
  asset_info: string;
  encryption_info: { algorithm: string; key_id: string; iv: string };
}

/** Strict base64: decodes only text that re-encodes to itself (no junk, no odd padding). */
export function decodeCanonicalBase64(text: string): Buffer | undefined {
  if (text.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const buf = Buffer.from(text, 'base64');
  return buf.toString('base64') === text ? buf : undefined;
}

/** Binds the header fields: none can be swapped without the seal failing. */
const aad = (assetId: string, keyId: string): Buffer => Buffer.from(`assetbridge-replication-v1\n${assetId}\n${keyId}\n${sealAlgorithm}`);

/** AES-128-GCM, 96-bit random IV, 128-bit tag; `asset_info` = `<iv>:<ciphertext+tag>`. */
export function sealInfo(ring: KeyRing, assetId: string, plaintext: Buffer): SealedInfo {
  return sealUnder(ring, assetId, (keyId) => aad(assetId, keyId), plaintext);
}

/** What a rule delivery's seal binds besides its key: no seal made for anything else opens as one. */
export interface DeliveryContext {
  targetRegion: string;
  ruleId: string;
  /** The asset, or `*` for a delivery about the rule itself. */
  assetId: string;
  version: number;
}

const deliveryAad = (c: DeliveryContext, keyId: string): Buffer =>
  Buffer.from(`assetbridge-rule-delivery-v1\n${ruleDeliveryPurpose}\n${c.targetRegion}\n${c.ruleId}\n${c.assetId}\n${c.version}\n${keyId}\n${sealAlgorithm}`);

/** A rule delivery, sealed afresh at each attempt under additional data naming its purpose, target, rule, asset and version. */
export function sealDelivery(ring: KeyRing, context: DeliveryContext, plaintext: Buffer): SealedInfo {
  return sealUnder(ring, context.assetId, (keyId) => deliveryAad(context, keyId), plaintext);
}

function sealUnder(ring: KeyRing, assetId: string, additional: (keyId: string) => Buffer, plaintext: Buffer): SealedInfo {
  const { id, key } = ring.sealingKey();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-128-gcm', key, iv);
  cipher.setAAD(additional(id));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  const ivText = iv.toString('base64');
  return {
    asset_id: assetId,
    asset_info: `${ivText}:${body.toString('base64')}`,
    encryption_info: { algorithm: sealAlgorithm, key_id: id, iv: ivText },
  };
}

export type OpenFailure = 'unknown_key' | 'bad_algorithm' | 'bad_encoding' | 'iv_mismatch' | 'seal_broken' | 'asset_mismatch';

type Parsed = { ok: true; key: Buffer; iv: Buffer; body: Buffer } | { ok: false; reason: OpenFailure };

/** The envelope's parts, checked before any decryption. */
function parseSealed(ring: KeyRing, info: SealedInfo): Parsed {
  if (info.encryption_info.algorithm !== sealAlgorithm) return { ok: false, reason: 'bad_algorithm' };
  const key = ring.openingKey(info.encryption_info.key_id);
  if (!key) return { ok: false, reason: 'unknown_key' };
  const [ivText, bodyText, ...rest] = info.asset_info.split(':');
  if (rest.length > 0 || ivText === undefined || bodyText === undefined) return { ok: false, reason: 'bad_encoding' };
  const iv = decodeCanonicalBase64(ivText);
  const body = decodeCanonicalBase64(bodyText);
  if (!iv || iv.length !== 12 || !body || body.length < 17) return { ok: false, reason: 'bad_encoding' };
  if (ivText !== info.encryption_info.iv) return { ok: false, reason: 'iv_mismatch' };
  return { ok: true, key, iv, body };
}

/** Opens a seal; every refusal is typed, none reveals anything about the key. */
export function openInfo(ring: KeyRing, info: SealedInfo): { ok: true; plaintext: Buffer } | { ok: false; reason: OpenFailure } {
  const parsed = parseSealed(ring, info);
  if (!parsed.ok) return parsed;
  const { key, iv, body } = parsed;
  const opened = gcmOpen(key, iv, body, aad(info.asset_id, info.encryption_info.key_id));
  if (opened) return { ok: true, plaintext: opened };
  // Was the seal genuine for another asset id (a swapped header)? Read the candidate id
  // without trusting it, then let GCM authenticate the seal under that id.
  const sealedId = /"asset":"([0-9a-f]{32})"/.exec(ctrDecrypt(key, iv, body.subarray(0, body.length - 16)).toString('latin1'))?.[1];
  if (sealedId && sealedId !== info.asset_id && gcmOpen(key, iv, body, aad(sealedId, info.encryption_info.key_id))) {
    return { ok: false, reason: 'asset_mismatch' };
  }
  return { ok: false, reason: 'seal_broken' };
}

/** Opens a rule delivery: only a seal made by `sealDelivery` for exactly this context opens. */
export function openDelivery(ring: KeyRing, context: DeliveryContext, info: SealedInfo): { ok: true; plaintext: Buffer } | { ok: false; reason: OpenFailure } {
  if (info.asset_id !== context.assetId) return { ok: false, reason: 'asset_mismatch' };
  const parsed = parseSealed(ring, info);
  if (!parsed.ok) return parsed;
  const opened = gcmOpen(parsed.key, parsed.iv, parsed.body, deliveryAad(context, info.encryption_info.key_id));
  return opened ? { ok: true, plaintext: opened } : { ok: false, reason: 'seal_broken' };
}

function gcmOpen(key: Buffer, iv: Buffer, body: Buffer, additional: Buffer): Buffer | undefined {
  try {
    const decipher = createDecipheriv('aes-128-gcm', key, iv);
    decipher.setAAD(additional);
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** GCM's keystream for a 96-bit IV: AES-CTR from counter 2 (J0 + 1). */
function ctrDecrypt(key: Buffer, iv: Buffer, ciphertext: Buffer): Buffer {
  const counter = Buffer.concat([iv, Buffer.from([0, 0, 0, 2])]);
  const decipher = createDecipheriv('aes-128-ctr', key, counter);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}
