import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

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

  constructor(region: string, options: { defaultMetrics?: boolean } = {}) {
    this.registry.setDefaultLabels({ region });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
