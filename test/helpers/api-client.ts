import { createHash } from 'node:crypto';
import { ApiClient as BaseClient } from '../../src/client/api-client.js';

export type { ApiResponse, CallOptions } from '../../src/client/api-client.js';

export const md5Base64 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('base64');

/** The product's client plus shortcuts tests use (the SDK tests use the official signer instead). */
export class ApiClient extends BaseClient {
  async createAsset(body: Record<string, unknown> = {}): Promise<string> {
    const b = (await this.ok('POST', '/digital-assets', {
      body: { asset_name: `asset-${Math.random().toString(36).slice(2)}`, asset_type: 'IMAGE', ...body },
    })) as { asset_id: string };
    return b.asset_id;
  }

  async createFile(assetId: string, name: string, bytes: Buffer, category = 'MAIN'): Promise<{ fileId: string; uploadUrl: string }> {
    const b = (await this.ok('POST', '/files', {
      body: { asset_id: assetId, file_name: name, file_md5: md5Base64(bytes), file_size: bytes.length, asset_file_category: category },
    })) as { file_id: string; upload_url: string };
    return { fileId: b.file_id, uploadUrl: b.upload_url };
  }

  /** Declares, uploads and confirms a file. */
  async addFile(assetId: string, name: string, bytes: Buffer, category = 'MAIN'): Promise<string> {
    const { fileId, uploadUrl } = await this.createFile(assetId, name, bytes, category);
    const put = await fetch(uploadUrl, { method: 'PUT', body: bytes, headers: { 'content-md5': md5Base64(bytes) } });
    if (put.status !== 200) throw new Error(`upload: ${put.status} ${await put.text()}`);
    await this.ok('POST', `/files/${fileId}/complete`, { body: { state: 'CREATED' } });
    return fileId;
  }
}
