import { describe, expect, it } from 'vitest';
import { generateTokenKeyPair, TokenSigner } from '../../src/services/identity/tokens.js';

const claims = { userId: 'u', userName: 'alice', accountId: 'a', accountName: 'acme', projectId: 'p', region: 'cn-north-4', iat: 1000, exp: 2000 };

describe('token verification cache', () => {
  it('checks a genuine token\'s signature once, then answers from its digest until it expires', () => {
    const signer = new TokenSigner(generateTokenKeyPair());
    const { token } = signer.issue(claims);
    for (let i = 0; i < 100; i += 1) expect(signer.verify(token, 1500)).toMatchObject({ ok: true, claims: { userName: 'alice' } });
    expect(signer.signatureChecks).toBe(1);
    expect(signer.verify(token, 2000)).toEqual({ ok: false, reason: 'token has expired' });
  });

  it('never remembers a forged or tampered token', () => {
    const signer = new TokenSigner(generateTokenKeyPair());
    const other = new TokenSigner(generateTokenKeyPair());
    const forged = other.issue(claims).token;
    const [payload, signature] = signer.issue(claims).token.split('.') as [string, string];
    const tampered = `${Buffer.from(Buffer.from(payload, 'base64url').toString().replace('alice', 'mallo')).toString('base64url')}.${signature}`;
    for (let i = 0; i < 3; i += 1) {
      expect(signer.verify(forged, 1500)).toEqual({ ok: false, reason: 'token signature is invalid' });
      expect(signer.verify(tampered, 1500)).toEqual({ ok: false, reason: 'token signature is invalid' });
    }
    expect(signer.signatureChecks).toBe(6);
  });
});
