import { signSdkRequest } from '../auth/sdk-signature.js';

export interface ApiResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are read field by field
  body: any;
}

export interface CallOptions {
  query?: Record<string, string | string[]>;
  body?: unknown;
  /** Sent as is (tests send invalid JSON, oversize bodies...). */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  /** Default true: AK/SK-sign the request. */
  sign?: boolean;
  /** Path relative to the endpoint instead of `/v1/{project}`. */
  absolutePath?: boolean;
}

export interface RegionCredentials {
  endpoint: string;
  projectId: string;
  accessKey: string;
  secretKey: string;
}

/** An error answer of the API, with its MSS code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The error an answer carries (`{error_code, error_msg}`, or the bare status when it has none). */
  static of(status: number, body: unknown, requestId: string | null): ApiError {
    const b = (typeof body === 'object' && body !== null ? body : {}) as { error_code?: string; error_msg?: string };
    return new ApiError(status, b.error_code ?? `HTTP ${status}`, b.error_msg ?? String(body), requestId);
  }

  /** The error of a raw fetch answer (signed-URL uploads and downloads). */
  static async ofResponse(res: Response): Promise<ApiError> {
    return ApiError.of(res.status, parseBody(await res.text()), res.headers.get('x-request-id'));
  }
}

/** JSON when the text is JSON, else the text. */
function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

/** A client of one region's API, signing every request with SDK-HMAC-SHA256. */
export class ApiClient {
  constructor(readonly opts: RegionCredentials) {}

  async call(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    const url = new URL(options.absolutePath ? path : `/v1/${this.opts.projectId}${path}`, this.opts.endpoint);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, v);
    }
    const body =
      options.rawBody !== undefined ? Buffer.from(options.rawBody) : options.body !== undefined ? Buffer.from(JSON.stringify(options.body)) : undefined;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-project-id': this.opts.projectId, ...options.headers };
    if (options.sign !== false) {
      Object.assign(
        headers,
        signSdkRequest({ method, url: url.toString(), headers, body: body ?? Buffer.alloc(0), accessKey: this.opts.accessKey, secretKey: this.opts.secretKey }),
      );
    }
    const res = await fetch(url, { method, headers, body });
    return { status: res.status, headers: res.headers, body: parseBody(await res.text()) };
  }

  /** Like `call`, but a non-200 answer throws an ApiError. */
  async ok(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse['body']> {
    const res = await this.call(method, path, options);
    if (res.status !== 200) throw ApiError.of(res.status, res.body, res.headers.get('x-request-id'));
    return res.body;
  }
}
