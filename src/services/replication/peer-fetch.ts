import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

/** How a peer download failed: transient faults are retried, permanent ones end the copy. */
export class PeerFault extends Error {
  constructor(
    readonly kind: 'transient' | 'permanent',
    readonly failureCode: 'source_refused' | 'source_not_found' | 'capability_expired' | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'PeerFault';
  }
}

export interface PeerResponse {
  /** 200 (whole file) or 206 (the asked range). */
  status: number;
  body: IncomingMessage;
}

/** No bytes for this long: the connection is considered dead (a transient fault). */
const idleTimeoutMs = 30_000;

const readText = async (res: IncomingMessage): Promise<string> => {
  let text = '';
  for await (const chunk of res) {
    text += (chunk as Buffer).toString();
    if (text.length > 4096) break;
  }
  return text;
};

/**
 * GET of one source file from a peer: URL built here from the peer's configured endpoint and
 * the file id, capability in a header, redirects never followed. Node's own HTTP client keeps
 * the body a Node stream (no web-stream conversion on the hot path).
 */
export async function fetchPeerFile(input: {
  endpoint: string;
  sourceProjectId: string;
  fileId: string;
  capability: string;
  targetRegion: string;
  offset: number;
  etag: string;
  signal: AbortSignal;
}): Promise<PeerResponse> {
  const url = new URL(`${input.endpoint}/replication/v1/projects/${input.sourceProjectId}/files/${input.fileId}`);
  const headers: Record<string, string> = { 'x-replication-capability': input.capability, 'x-replication-region': input.targetRegion };
  if (input.offset > 0) {
    headers.range = `bytes=${input.offset}-`;
    headers['if-range'] = input.etag;
  }
  const client = url.protocol === 'https:' ? https : http;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = client.get(url, { headers, signal: input.signal, timeout: idleTimeoutMs }, resolve);
    req.on('timeout', () => req.destroy(new Error('peer timed out')));
    req.on('error', (err) => reject(new PeerFault('transient', undefined, `cannot reach ${input.endpoint}: ${err.message}`)));
  });
  const status = res.statusCode ?? 0;
  if (status === 200 || status === 206) return { status, body: res };
  const text = await readText(res).catch(() => '');
  if (status >= 500 || status === 429 || status === 408) throw new PeerFault('transient', undefined, `source answered ${status}`);
  if (status === 404) throw new PeerFault('permanent', 'source_not_found', 'the source file is gone');
  if (status === 403 && text.includes('expired')) throw new PeerFault('permanent', 'capability_expired', 'the download capability expired');
  throw new PeerFault('permanent', 'source_refused', `source refused the download (${status})`);
}
