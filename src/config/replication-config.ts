import path from 'node:path';
import type { SettingsReader } from './settings-reader.js';
import { endpointPattern, regionNamePattern } from './values.js';

/** Peer regions: name -> public endpoint (scheme, host, port; no trailing slash). */
export type Peers = Readonly<Record<string, string>>;

/** Cross-region copy settings. */
export interface ReplicationConfig {
  /** Key-ring file shared by every region (absent: this region neither seals nor opens). */
  readonly keyRingFile: string;
  /** The regions copies may come from (default none; local mode: the other local regions). */
  readonly peers: Peers;
  /** Lifetime of replication info, seconds (default 3600). */
  readonly tokenTtlSeconds: number;
  /** How much longer download capabilities live, for long copies, seconds (default 86400). */
  readonly copyWindowSeconds: number;
  /** Segment streams open at once to one peer, over all copies of an instance (default 8). */
  readonly streamsPerPeer: number;
  /** Copies run at once by one instance (default 2). */
  readonly parallelTasks: number;
  /** Download limit per peer, bytes per second (0: none). */
  readonly peerBandwidthBytesPerSecond: number;
  /** Copy-task lease, seconds (default 30): how soon a crashed worker's task is taken over. */
  readonly leaseSeconds: number;
  /** Claims of a task by workers that vanished before it fails as `worker_crashed` (default 5). */
  readonly maxClaims: number;
  /** Rule-delivery requests (live changes and backfill alike) one instance has in flight at once (default 8). */
  readonly ruleDeliveryConcurrency: number;
  /** Most rule deliveries one request carries (default 50; 1: one request per delivery). */
  readonly ruleDeliveryBatch: number;
  /** Longest wait between two attempts of a rule delivery to an unreachable region, seconds (default 30). */
  readonly ruleRetryMaxSeconds: number;
}

/** The copy settings every region of a process shares (all but the key ring and the peers). */
export type ReplicationTuning = Omit<ReplicationConfig, 'keyRingFile' | 'peers'>;

export function parseReplicationTuning(r: SettingsReader): ReplicationTuning {
  return {
    tokenTtlSeconds: r.int('REPLICATION_TTL', 3_600, 60, 7 * 86_400),
    copyWindowSeconds: r.int('COPY_WINDOW', 86_400, 60, 30 * 86_400),
    streamsPerPeer: r.int('COPY_STREAMS_PER_PEER', 8, 1, 64),
    parallelTasks: r.int('COPY_PARALLEL_TASKS', 2, 1, 64),
    peerBandwidthBytesPerSecond: r.int('PEER_BANDWIDTH_LIMIT', 0, 0, 100 * 1024 * 1024 * 1024),
    leaseSeconds: r.int('COPY_LEASE', 30, 2, 3_600),
    maxClaims: r.int('COPY_MAX_CLAIMS', 5, 1, 1_000),
    ruleDeliveryConcurrency: r.int('RULE_DELIVERY_CONCURRENCY', 8, 1, 256),
    ruleDeliveryBatch: r.int('RULE_DELIVERY_BATCH', 50, 1, 100),
    ruleRetryMaxSeconds: r.int('RULE_RETRY_MAX', 30, 1, 3_600),
  };
}

/** ASSETBRIDGE_PEERS: `name=url,name=url` or a JSON object. */
function parsePeers(r: SettingsReader, self: string): Peers {
  const raw = r.optional('PEERS');
  if (raw === undefined) return {};
  let entries: [string, unknown][];
  try {
    entries = raw.trim().startsWith('{')
      ? Object.entries(JSON.parse(raw) as Record<string, unknown>)
      : raw.split(',').map((item) => {
          const at = item.indexOf('=');
          return [item.slice(0, at).trim(), item.slice(at + 1).trim()];
        });
  } catch {
    r.check(false, 'ASSETBRIDGE_PEERS must be name=url,... or a JSON object');
    return {};
  }
  const peers: Record<string, string> = {};
  for (const [name, url] of entries) {
    const ok = regionNamePattern.test(name) && typeof url === 'string' && endpointPattern.test(url) && name !== self;
    r.check(ok, `ASSETBRIDGE_PEERS: "${name}" needs a region name other than this one and an http(s)://host:port endpoint`);
    if (ok) peers[name] = url;
  }
  return peers;
}

/** One region's copy settings, all from the settings. */
export function parseReplicationConfig(r: SettingsReader, dataDir: string, region: string): ReplicationConfig {
  return {
    keyRingFile: path.resolve(r.string('KEYRING_FILE', path.join(dataDir, 'keyring.json'))),
    peers: parsePeers(r, region),
    ...parseReplicationTuning(r),
  };
}
