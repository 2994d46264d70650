import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a signed blob URL grants: one operation on one file until `expires` (Unix seconds). */
export interface UrlGrant {
  op: 'upload' | 'download' | 'thumbnail';
  projectId: string;
  fileId: string;
  expires: number;
  /** A download handed to another project through a share: the share is checked again at every use. */
  via?: string;
  /** An upload of one part of a large file (1-based). */
  part?: number;
}

/** Signs and checks this region's upload and download URLs (HMAC-SHA256 with the region's URL secret). */
export class UrlSigner {
  constructor(private readonly secret: string) {}

  sign(grant: UrlGrant): string {
    return createHmac('sha256', this.secret)
      .update(
        `assetbridge-url-v1\n${grant.op}\n${grant.projectId}\n${grant.fileId}\n${grant.expires}` +
          `${grant.via === undefined ? '' : `\nvia ${grant.via}`}${grant.part === undefined ? '' : `\npart ${grant.part}`}`,
      )
      .digest('hex');
  }

  /** Constant-time check of signature and expiry. */
  verify(grant: UrlGrant, signature: string, nowSeconds: number): boolean {
    if (!/^[0-9a-f]{64}$/.test(signature) || grant.expires < nowSeconds) return false;
    return timingSafeEqual(Buffer.from(this.sign(grant), 'hex'), Buffer.from(signature, 'hex'));
  }

  /** Path and query of a signed URL, to be joined to the region's public endpoint. */
  path(grant: UrlGrant): string {
    const via = grant.via === undefined ? '' : `&via=${grant.via}`;
    const part = grant.part === undefined ? '' : `&part=${grant.part}`;
    return `/blobs/${grant.op}/${grant.projectId}/${grant.fileId}?expires=${grant.expires}${via}${part}&signature=${this.sign(grant)}`;
  }
}
