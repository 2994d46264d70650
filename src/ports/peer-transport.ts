import type { Readable } from 'node:stream';

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

/** The source answered a range with other content (its file changed since the seal). */
export class SourceChangedError extends Error {
  constructor(fileId: string) {
    super(`file ${fileId}: the source content changed`);
    this.name = 'SourceChangedError';
  }
}

export interface PeerRangeRequest {
  /** The peer's configured endpoint (scheme, host, port). */
  endpoint: string;
  sourceProjectId: string;
  fileId: string;
  capability: string;
  /** This region's name (the capability is bound to it). */
  targetRegion: string;
  /** The byte range [start, end) of a file of `size` bytes. */
  start: number;
  end: number;
  size: number;
  /** The file's strong validator: a changed source answers something else. */
  etag: string;
  signal: AbortSignal;
}

/** A local file a range is written into, at `offset`; its bytes must hash to `sha256` (hex). */
export interface RangeFileTarget {
  file: string;
  offset: number;
  sha256: string;
}

/**
 * How a copy reads a source region's file: one byte range per call, over kept-alive
 * connections. Throws PeerFault (reachability, refusals) or SourceChangedError.
 */
export interface PeerTransport {
  fetchRange(request: PeerRangeRequest): Promise<Readable>;
  /**
   * Optional: the range written straight into a local file off the event loop, hashed as it
   * arrives. `durable` once exactly the range's bytes arrived, hash to `target.sha256`, and
   * were written and flushed (fdatasync); false when the length or hash differ (what was
   * written then counts for nothing). Rejects on abort only once nothing of it writes any more.
   */
  fetchRangeInto?(request: PeerRangeRequest, target: RangeFileTarget): Promise<{ durable: boolean; received: number }>;
  close?(): void;
}
