import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/** One region's metrics (a registry per region: the local mode runs several in one process). */
export class Metrics {
  readonly registry = new Registry();
  /** Bytes region A sent to copying regions (the replication file route). */
  readonly replicationBytesServed = new Counter({
    name: 'assetbridge_replication_bytes_served_total',
    help: 'Bytes of files served to regions copying them',
    registers: [this.registry],
  });
  /** Bytes region B received and verified for copies. */
  readonly copyBytes = new Counter({
    name: 'assetbridge_copy_bytes_total',
    help: 'Bytes downloaded by copy tasks in this region',
    registers: [this.registry],
  });

  constructor(region: string, options: { defaultMetrics?: boolean } = {}) {
    this.registry.setDefaultLabels({ region });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
