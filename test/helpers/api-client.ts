import { createHash } from 'node:crypto';
import { ApiClient as BaseClient, type ApiResponse, type CallOptions } from '../../src/client/api-client.js';

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

  /** CreateLargeFile: the file id and one upload URL per part. */
  async createLargeFile(assetId: string, name: string, size: number | undefined, parts: number, category = 'MAIN'): Promise<{ fileId: string; uploadUrls: string[] }> {
    const b = (await this.ok('POST', '/large-files', {
      body: { asset_id: assetId, file_name: name, file_size: size, file_multipart_count: parts, asset_file_category: category },
    })) as { file_id: string; upload_urls: string[] };
    return { fileId: b.file_id, uploadUrls: b.upload_urls };
  }

  /** Declares a large file, sends its parts (last first) and confirms it; the file id (assembly follows). */
  async addLargeFile(assetId: string, name: string, bytes: Buffer, parts: number, category = 'MAIN'): Promise<string> {
    const { fileId, uploadUrls } = await this.createLargeFile(assetId, name, bytes.length, parts, category);
    const pieces = cutParts(bytes, parts);
    for (let i = parts - 1; i >= 0; i--) {
      const put = await putBytes(uploadUrls[i] ?? '', pieces[i] ?? Buffer.alloc(0));
      if (put.status !== 200) throw new Error(`part ${i + 1}: ${put.status} ${JSON.stringify(put.body)}`);
    }
    await this.ok('POST', `/files/${fileId}/complete`, { body: { state: 'CREATED' } });
    return fileId;
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

/** The part sizes CreateLargeFile asks for: every part but the last is ceil(size / count). */
export function cutParts(bytes: Buffer, count: number): Buffer[] {
  const size = Math.ceil(bytes.length / count);
  return Array.from({ length: count }, (_, i) => bytes.subarray(i * size, Math.min(bytes.length, (i + 1) * size)));
}

/** PUT of bytes to a signed URL; the answer's status and body. */
export async function putBytes(url: string, bytes: Buffer): Promise<{ status: number; body: { error_code?: string; error_msg?: string } }> {
  const res = await fetch(url, { method: 'PUT', body: bytes });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/** An account's IAM user and project, as tests know them. */
export interface UserLogin {
  name: string;
  userName: string;
  password: string;
  projectId: string;
}

/** A token for `login`, scoped to its project (tokens follow the server's clock; AK/SK dates follow the caller's). */
export async function issueToken(endpoint: string, login: UserLogin): Promise<string> {
  const res = await fetch(`${endpoint}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: login.userName, password: login.password, domain: { name: login.name } } } },
        scope: { project: { id: login.projectId } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`token: ${res.status} ${await res.text()}`);
  return res.headers.get('x-subject-token') ?? '';
}

/** The same client calls with an IAM token instead of an AK/SK signature. */
export class TokenClient extends ApiClient {
  constructor(endpoint: string, projectId: string, private readonly token: string) {
    super({ endpoint, projectId, accessKey: '', secretKey: '' });
  }

  override call(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    return super.call(method, path, { ...options, sign: false, headers: { ...options.headers, 'X-Auth-Token': this.token } });
  }
}
