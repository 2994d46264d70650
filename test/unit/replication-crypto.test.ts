import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyRingFile } from '../../src/start/key-ring-file.js';
import { CapabilitySigner } from '../../src/services/replication/capability.js';
import { loadKeyRing, parseKeyRing } from '../../src/services/replication/key-ring.js';
import { decodeCanonicalBase64, openInfo, sealInfo } from '../../src/services/replication/seal.js';

const key = () => randomBytes(16).toString('base64');
const assetId = '0123456789abcdef0123456789abcdef';
const plaintext = Buffer.from(JSON.stringify({ v: 1, src: { asset: assetId } }));

describe('sealing replication info', () => {
  const ring = parseKeyRing({ active: 'k1', keys: { k1: key() } });

  it('round-trips with a fresh 96-bit IV per seal and the <iv>: prefix', () => {
    // The ring is shared with the other tests: count this test's seals only.
    const sealsBefore = ring.sealsByKey.get('k1') ?? 0;
    const a = sealInfo(ring, assetId, plaintext);
    const b = sealInfo(ring, assetId, plaintext);
    expect(a.encryption_info.iv).not.toBe(b.encryption_info.iv);
    expect(a.asset_info.startsWith(`${a.encryption_info.iv}:`)).toBe(true);
    expect(openInfo(ring, a)).toEqual({ ok: true, plaintext });
    expect(ring.sealsByKey.get('k1')).toBe(sealsBefore + 2);
  });

  it('refuses every swapped or altered field with a typed reason', () => {
    const s = sealInfo(ring, assetId, plaintext);
    expect(openInfo(ring, { ...s, encryption_info: { ...s.encryption_info, key_id: 'k2' } })).toEqual({ ok: false, reason: 'unknown_key' });
    expect(openInfo(ring, { ...s, encryption_info: { ...s.encryption_info, algorithm: 'AES256_GCM' } })).toEqual({ ok: false, reason: 'bad_algorithm' });
    expect(openInfo(ring, { ...s, asset_id: 'f'.repeat(32) })).toEqual({ ok: false, reason: 'asset_mismatch' });
    expect(openInfo(ring, { ...s, asset_info: `${s.asset_info}=` })).toEqual({ ok: false, reason: 'bad_encoding' });
    expect(openInfo(ring, { ...s, asset_info: `${s.asset_info}:x` })).toEqual({ ok: false, reason: 'bad_encoding' });
    const [iv, body = ''] = s.asset_info.split(':');
    const flipped = `${body.slice(0, 5)}${body[5] === 'A' ? 'B' : 'A'}${body.slice(6)}`;
    expect(openInfo(ring, { ...s, asset_info: `${iv}:${flipped}` })).toEqual({ ok: false, reason: 'seal_broken' });
    const otherIv = randomBytes(12).toString('base64');
    expect(openInfo(ring, { ...s, encryption_info: { ...s.encryption_info, iv: otherIv } })).toEqual({ ok: false, reason: 'iv_mismatch' });
    const foreign = parseKeyRing({ active: 'k1', keys: { k1: key() } });
    expect(openInfo(foreign, s)).toEqual({ ok: false, reason: 'seal_broken' });
  });

  it('decodes base64 only in its canonical form', () => {
    expect(decodeCanonicalBase64('AAEC')).toEqual(Buffer.from([0, 1, 2]));
    for (const bad of ['AAE', 'AAEC=', 'AAF=', 'AA EC', 'AAEC\n', 'AQ==x', 'AR==']) expect(decodeCanonicalBase64(bad)).toBeUndefined();
  });
});

describe('key ring and rotation', () => {
  it('rotates: add, activate, old key still opens, retire', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ring-')), 'keyring.json');
    const rf = new KeyRingFile(file);
    rf.add('k1', key(), true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const old = sealInfo(loadKeyRing(file), assetId, plaintext);
    rf.add('k2', KeyRingFile.generateKey());
    expect(rf.list()).toEqual([{ id: 'k1', active: true }, { id: 'k2', active: false }]);
    rf.activate('k2');
    const ring = loadKeyRing(file);
    expect(sealInfo(ring, assetId, plaintext).encryption_info.key_id).toBe('k2');
    expect(openInfo(ring, old).ok).toBe(true);
    expect(() => rf.retire('k2')).toThrow(/active/);
    rf.retire('k1');
    expect(openInfo(loadKeyRing(file), old)).toEqual({ ok: false, reason: 'unknown_key' });
    expect(readFileSync(file, 'utf8')).not.toContain('k1');
  });

  it('refuses bad rings without printing key material', () => {
    const secret = key();
    expect(() => parseKeyRing({ active: 'k9', keys: { k1: secret } })).toThrow(/not in the ring/);
    try {
      parseKeyRing({ active: 'k1', keys: { k1: `${secret.slice(0, -4)}` } });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain(secret.slice(0, 8));
    }
  });
});

describe('download capabilities', () => {
  const signer = new CapabilitySigner(randomBytes(32));
  const grant = { fileId: 'a'.repeat(32), sha256: 'b'.repeat(64), targetRegion: 'ap-southeast-3' };
  it('bind the file, its content, the target region and an expiry', () => {
    const cap = signer.issue({ ...grant, exp: 2000 });
    expect(signer.verify(cap, grant, 1000)).toBe('ok');
    expect(signer.verify(cap, grant, 2001)).toBe('expired');
    expect(signer.verify(cap, { ...grant, fileId: 'c'.repeat(32) }, 1000)).toBe('invalid');
    expect(signer.verify(cap, { ...grant, sha256: 'c'.repeat(64) }, 1000)).toBe('invalid');
    expect(signer.verify(cap, { ...grant, targetRegion: 'cn-north-4' }, 1000)).toBe('invalid');
    expect(signer.verify(cap.replace('2000', '3000'), grant, 1000)).toBe('invalid');
    expect(signer.verify(`${cap}0`, grant, 1000)).toBe('malformed');
    expect(new CapabilitySigner(randomBytes(32)).verify(cap, grant, 1000)).toBe('invalid');
  });
});
