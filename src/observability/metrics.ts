import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One region's metrics (a registry per region: the local mode runs several in one process). */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'assetbridge_http_requests_total',
    help: 'HTTP requests by operation and status',
    labelNames: ['operation', 'status'],
    registers: [this.registry],
  });
  readonly requestSeconds = new Histogram({
    name: 'assetbridge_http_request_duration_seconds',
    help: 'HTTP request latency by operation',
    labelNames: ['operation'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  /** Database queries per request: a fixed number per operation, whatever the page holds. */
  readonly requestQueries = new Histogram({
    name: 'assetbridge_http_request_db_queries',
    help: 'Database queries made by one request, by operation',
    labelNames: ['operation'],
    buckets: [0, 1, 2, 3, 4, 6, 8, 12, 16, 32, 64],
    registers: [this.registry],
  });
  /** ShowAsset answers served from the cache of presented assets (`hit`) or built anew (`miss`). */
  readonly showCache = new Counter({
    name: 'assetbridge_show_cache_total',
    help: 'ShowAsset answers from the cache of presented assets (hit) or built anew (miss)',
    labelNames: ['result'],
    registers: [this.registry],
  });
  /** Bytes region A sent to copying regions (the replication file route). */
  readonly replicationBytesServed = new Counter({
    name: 'assetbridge_replication_bytes_served_total',
    help: 'Bytes of files served to regions copying them',
    registers: [this.registry],
  });
  /** Bytes region B received for copies. */
  readonly copyBytes = new Counter({
    name: 'assetbridge_copy_bytes_total',
    help: 'Bytes downloaded by copy tasks in this region',
    registers: [this.registry],
  });
  readonly copySeconds = new Histogram({
    name: 'assetbridge_copy_duration_seconds',
    help: 'Time from import to activation of successful copies',
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14_400],
    registers: [this.registry],
  });
  readonly copyFailures = new Counter({
    name: 'assetbridge_copy_failures_total',
    help: 'Copies ended FAILED, by failure code',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  /** A worker could not renew a copy's lease (it retries; a lapsed lease hands the copy on). */
  readonly copyLeaseRenewFailures = new Counter({
    name: 'assetbridge_copy_lease_renew_failures_total',
    help: 'Copy lease renewals that failed with an error',
    registers: [this.registry],
  });
  /** Replication rules: from a change in this region to the replica ACTIVED (or changed) in the target region. */
  readonly replicationLag = new Histogram({
    name: 'assetbridge_rule_replication_lag_seconds',
    help: 'Seconds from a change of an asset here to its replica completed in the target region, by target',
    labelNames: ['target_region'],
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
    registers: [this.registry],
  });
  readonly replicationFailures = new Counter({
    name: 'assetbridge_rule_replication_failures_total',
    help: 'Replicas of replication rules that turned FAILED, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  /** Access keys locked after bad signatures, per (access key, client address). */
  readonly accessKeyLockouts = new Counter({
    name: 'assetbridge_access_key_lockouts_total',
    help: 'Access keys locked for one client address after too many consecutive bad signatures',
    registers: [this.registry],
  });
  readonly blobErrors = new Counter({
    name: 'assetbridge_blob_store_errors_total',
    help: 'Blob store operations that failed (other than a missing blob)',
    labelNames: ['operation'],
    registers: [this.registry],
  });

  constructor(region: string, options: { defaultMetrics?: boolean } = {}) {
    this.registry.setDefaultLabels({ region });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Copy tasks by state, read from the store at each scrape. */
  observeCopyTasks(countByState: () => Promise<Record<string, number>>): void {
    new Gauge({
      name: 'assetbridge_copy_tasks',
      help: 'Copy tasks by state',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        for (const [state, n] of Object.entries(await countByState())) this.set({ state }, n);
      },
    });
  }

  /** Rule deliveries queued in the outbox, per target region. */
  observeRulePending(pendingByTarget: () => Promise<Map<string, number>>): void {
    new Gauge({
      name: 'assetbridge_rule_deliveries_pending',
      help: 'Replication rule deliveries waiting in the outbox, by target region',
      labelNames: ['target_region'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [target, n] of await pendingByTarget()) this.set({ target_region: target }, n);
      },
    });
  }

  /** Seals made per replication key (to see when an old key stops being used). */
  observeSeals(sealsByKey: ReadonlyMap<string, number>): void {
    new Gauge({
      name: 'assetbridge_replication_seals',
      help: 'Replication info sealed per key id since start',
      labelNames: ['key_id'],
      registers: [this.registry],
      collect() {
        for (const [keyId, n] of sealsByKey) this.set({ key_id: keyId }, n);
      },
    });
  }
}
