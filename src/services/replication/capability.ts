import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a download capability grants: one file, with one content, to one region, until `exp`. */
export interface CapabilityGrant {
  fileId: string;
  sha256: string;
  /** Unix seconds. */
  exp: number;
  targetRegion: string;
}

const message = (g: CapabilityGrant): string => `assetbridge-cap-v1\n${g.fileId}\n${g.sha256}\n${g.exp}\n${g.targetRegion}`;

/**
 * Capabilities signed with the source region's own secret (not the shared key ring): only
 * the region that issued one can check it. Format `<exp>.<hmac hex>`; the rest of the grant
 * travels beside it (file id in the path, target region in a header, SHA-256 from the store).
 */
export class CapabilitySigner {
  constructor(private readonly secret: Buffer) {}

  issue(grant: CapabilityGrant): string {
    return `${grant.exp}.${createHmac('sha256', this.secret).update(message(grant)).digest('hex')}`;
  }

  verify(capability: string, grant: Omit<CapabilityGrant, 'exp'>, nowSeconds: number): 'ok' | 'malformed' | 'expired' | 'invalid' {
    const m = /^(\d{1,12})\.([0-9a-f]{64})$/.exec(capability);
    if (!m) return 'malformed';
    const exp = Number(m[1]);
    const expected = createHmac('sha256', this.secret).update(message({ ...grant, exp })).digest();
    if (!timingSafeEqual(expected, Buffer.from(m[2] ?? '', 'hex'))) return 'invalid';
    return exp < nowSeconds ? 'expired' : 'ok';
  }
}
