import { createHash } from 'node:crypto';
import { signSdkRequest } from '../../src/auth/sdk-signature.js';

export interface ApiResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read any field
  body: any;
}

export interface CallOptions {
  query?: Record<string, string | string[]>;
  body?: unknown;
  /** Sent as is (invalid JSON, oversize...). */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  /** Default true: AK/SK-sign the request. */
  sign?: boolean;
  /** Path relative to the endpoint instead of `/v1/{project}`. */
  absolutePath?: boolean;
}

export const md5Base64 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('base64');

/** A small signed client for tests (the SDK-compatibility tests use the official signer instead). */
export class ApiClient {
  constructor(readonly opts: { endpoint: string; projectId: string; accessKey: string; secretKey: string }) {}

  async call(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    const url = new URL(options.absolutePath ? path : `/v1/${this.opts.projectId}${path}`, this.opts.endpoint);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, v);
    }
    const body =
      options.rawBody !== undefined
        ? Buffer.from(options.rawBody)
        : options.body !== undefined
          ? Buffer.from(JSON.stringify(options.body))
          : undefined;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-project-id': this.opts.projectId,
      ...options.headers,
    };
    if (options.sign !== false) {
      Object.assign(
        headers,
        signSdkRequest({
          method,
          url: url.toString(),
          headers,
          body: body ?? Buffer.alloc(0),
          accessKey: this.opts.accessKey,
          secretKey: this.opts.secretKey,
        }),
      );
    }
    const res = await fetch(url, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  async createAsset(body: Record<string, unknown> = {}): Promise<string> {
    const res = await this.call('POST', '/digital-assets', {
      body: { asset_name: `asset-${Math.random().toString(36).slice(2)}`, asset_type: 'IMAGE', ...body },
    });
    if (res.status !== 200) throw new Error(`createAsset: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as { asset_id: string }).asset_id;
  }

  async createFile(assetId: string, name: string, bytes: Buffer, category = 'MAIN'): Promise<{ fileId: string; uploadUrl: string }> {
    const res = await this.call('POST', '/files', {
      body: { asset_id: assetId, file_name: name, file_md5: md5Base64(bytes), file_size: bytes.length, asset_file_category: category },
    });
    if (res.status !== 200) throw new Error(`createFile: ${res.status} ${JSON.stringify(res.body)}`);
    const b = res.body as { file_id: string; upload_url: string };
    return { fileId: b.file_id, uploadUrl: b.upload_url };
  }

  /** Declares, uploads and confirms a file. */
  async addFile(assetId: string, name: string, bytes: Buffer, category = 'MAIN'): Promise<string> {
    const { fileId, uploadUrl } = await this.createFile(assetId, name, bytes, category);
    const put = await fetch(uploadUrl, { method: 'PUT', body: bytes, headers: { 'content-md5': md5Base64(bytes) } });
    if (put.status !== 200) throw new Error(`upload: ${put.status} ${await put.text()}`);
    const done = await this.call('POST', `/files/${fileId}/complete`, { body: { state: 'CREATED' } });
    if (done.status !== 200) throw new Error(`confirm: ${done.status} ${JSON.stringify(done.body)}`);
    return fileId;
  }
}
