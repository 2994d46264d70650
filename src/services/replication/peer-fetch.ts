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
  body: ReadableStream<Uint8Array>;
}

/**
 * GET of one source file from a peer: URL built here from the peer's configured endpoint and
 * the file id, capability in a header, redirects never followed.
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
  const url = `${input.endpoint}/replication/v1/projects/${input.sourceProjectId}/files/${input.fileId}`;
  const headers: Record<string, string> = { 'x-replication-capability': input.capability, 'x-replication-region': input.targetRegion };
  if (input.offset > 0) {
    headers.range = `bytes=${input.offset}-`;
    headers['if-range'] = input.etag;
  }
  let res: Response;
  try {
    res = await fetch(url, { headers, redirect: 'manual', signal: input.signal });
  } catch (err) {
    throw new PeerFault('transient', undefined, `cannot reach ${input.endpoint}: ${(err as Error).message}`);
  }
  if ((res.status === 200 || res.status === 206) && res.body) return { status: res.status, body: res.body };
  const text = await res.text().catch(() => '');
  if (res.status >= 500 || res.status === 429 || res.status === 408) throw new PeerFault('transient', undefined, `source answered ${res.status}`);
  if (res.status === 404) throw new PeerFault('permanent', 'source_not_found', 'the source file is gone');
  if (res.status === 403 && text.includes('expired')) throw new PeerFault('permanent', 'capability_expired', 'the download capability expired');
  throw new PeerFault('permanent', 'source_refused', `source refused the download (${res.status})`);
}
