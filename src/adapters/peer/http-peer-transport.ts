import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { PeerFault, SourceChangedError, type PeerRangeRequest, type PeerTransport, type RangeFileTarget } from '../../ports/peer-transport.js';
import { RangeTransfers, type RangeGet } from './range-transfers.js';

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

/** The GET of a range: URL from the peer's endpoint and the file id, capability in a header, If-Range on the sealed ETag. */
function rangeGetOf(r: PeerRangeRequest): RangeGet & { whole: boolean } {
  const url = new URL(`${r.endpoint}/replication/v1/projects/${r.sourceProjectId}/files/${r.fileId}`);
  const headers: Record<string, string> = { 'x-replication-capability': r.capability, 'x-replication-region': r.targetRegion };
  const whole = r.start === 0 && r.end === r.size;
  if (!whole) {
    headers.range = `bytes=${r.start}-${r.end - 1}`;
    headers['if-range'] = r.etag;
  }
  return { url: url.toString(), headers, length: r.end - r.start, whole };
}

const unreachable = (r: PeerRangeRequest, message: string) => new PeerFault('transient', undefined, `cannot reach ${r.endpoint}: ${message}`);

/** The fault of a source's refusal (any status but 200 / 206). */
function refusal(status: number, text: string): PeerFault {
  if (status >= 500 || status === 429 || status === 408) return new PeerFault('transient', undefined, `source answered ${status}`);
  if (status === 404) return new PeerFault('permanent', 'source_not_found', 'the source file is gone');
  if (status === 403 && text.includes('expired')) return new PeerFault('permanent', 'capability_expired', 'the download capability expired');
  return new PeerFault('permanent', 'source_refused', `source refused the download (${status})`);
}

/**
 * Ranged GETs of source files from peers: URL built from the peer's configured endpoint and
 * the file id, capability in a header, redirects never followed, connections kept alive (at
 * most `socketsPerPeer` per peer). Node's own HTTP client keeps the body a Node stream.
 */
export class HttpPeerTransport implements PeerTransport {
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  private readonly transfers: RangeTransfers;

  constructor(socketsPerPeer: number) {
    this.transfers = new RangeTransfers(socketsPerPeer);
    for (const agent of Object.values(this.agents)) {
      agent.maxSockets = socketsPerPeer;
      agent.maxFreeSockets = socketsPerPeer;
    }
  }

  async fetchRange(r: PeerRangeRequest): Promise<Readable> {
    const { url, headers, whole } = rangeGetOf(r);
    const tls = url.startsWith('https:');
    const client = tls ? https : http;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = client.get(url, { headers, signal: r.signal, timeout: idleTimeoutMs, agent: tls ? this.agents.https : this.agents.http }, resolve);
      req.on('timeout', () => req.destroy(new Error('peer timed out')));
      req.on('error', (err) => reject(unreachable(r, err.message)));
    });
    const status = res.statusCode ?? 0;
    if (status === 206 || (status === 200 && whole)) return res;
    if (status === 200) {
      // If-Range did not match: the source's content is not the sealed one.
      res.destroy();
      throw new SourceChangedError(r.fileId);
    }
    throw refusal(status, await readText(res).catch(() => ''));
  }

  /**
   * Receives, hashes, writes and flushes the range in a worker thread (see RangeTransfers):
   * the event loop only sends the request and reads the outcome.
   */
  async fetchRangeInto(r: PeerRangeRequest, target: RangeFileTarget): Promise<{ durable: boolean; received: number }> {
    const o = await this.transfers.run(rangeGetOf(r), target, r.signal);
    switch (o.outcome) {
      case 'durable':
      case 'mismatch':
        return { durable: o.outcome === 'durable', received: o.received };
      case 'changed':
        throw new SourceChangedError(r.fileId);
      case 'status':
        throw refusal(o.status, o.text);
      case 'error':
        throw o.file ? new Error(`${target.file}: ${o.message}`) : unreachable(r, o.message);
      case 'aborted':
        throw r.signal.reason ?? new Error('aborted');
    }
  }

  close(): void {
    for (const agent of Object.values(this.agents)) agent.destroy();
    void this.transfers.close();
  }
}
