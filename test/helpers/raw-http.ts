import { request as httpRequest } from 'node:http';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are read field by field
  body: any;
}

export interface RawRequest {
  method: string;
  /** Sent exactly as given (fetch would normalize it or drop a `#...`). */
  target: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The client's source address (e.g. 127.0.0.2, another loopback address). */
  localAddress?: string;
}

/** One HTTP/1.1 request with a raw request target, on a fresh connection. */
export function rawRequest(endpoint: string, req: RawRequest): Promise<RawAnswer> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      { host: url.hostname, port: url.port, method: req.method, path: req.target, headers: req.headers, localAddress: req.localAddress, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: kept as text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}
