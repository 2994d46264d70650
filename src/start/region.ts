import { hkdfSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { RegionConfig } from '../config/config.js';
import { migrate, openDatabase } from '../adapters/db/database.js';
import { KyselyMetadataStore } from '../adapters/db/metadata-store-kysely.js';
import { createBlobStore } from '../adapters/blob/blob-store-factory.js';
import { buildApp } from '../http/app.js';
import type { AppInstance } from '../http/types.js';
import type { Authenticator } from '../ports/authenticator.js';
import type { BlobStore } from '../ports/blob-store.js';
import { AssetService } from '../services/asset-service.js';
import { systemClock, type Clock } from '../services/clock.js';
import { FileService } from '../services/file-service.js';
import { UrlSigner } from '../services/signed-url.js';
import { IdentityAuthenticator } from '../services/identity/identity-authenticator.js';
import type { IdentityService } from '../services/identity/identity-service.js';
import { openIdentity } from './identity.js';
import { MeteredBlobStore } from '../observability/blob-store-metrics.js';
import { Metrics } from '../observability/metrics.js';
import { startMetricsServer } from '../observability/metrics-server.js';
import { CapabilitySigner } from '../services/replication/capability.js';
import { CopyWorker } from '../services/replication/copy-worker.js';
import { loadKeyRing } from '../services/replication/key-ring.js';
import { ReplicationService } from '../services/replication/replication-service.js';

export interface Region {
  config: RegionConfig;
  app: AppInstance;
  assets: AssetService;
  files: FileService;
  blobs: BlobStore;
  identity: IdentityService;
  replication: ReplicationService;
  worker: CopyWorker;
  /** Listens on the configured host and port; resolves to the bound port. */
  listen(): Promise<number>;
  /** Stops accepting, lets in-flight requests finish, closes pools. */
  close(): Promise<void>;
}

const purgeIntervalMs = 60_000;

/** Composition root of one region: adapters chosen by config, wired into services and HTTP. */
export async function createRegion(
  config: RegionConfig,
  logger: Logger,
  options: { clock?: Clock; identity?: IdentityService; defaultMetrics?: boolean } = {},
): Promise<Region> {
  const clock = options.clock ?? systemClock;
  // Local mode shares one identity service between its regions; otherwise the region owns one.
  const identity = options.identity ?? (await openIdentity(config.identity, clock));
  const database = openDatabase(config.databaseUrl);
  await migrate(database.db);
  const store = new KyselyMetadataStore(database.db, database.engine);
  const metrics = new Metrics(config.region, { defaultMetrics: options.defaultMetrics ?? false });
  metrics.observeCopyTasks(() => store.copyTasks.countByState());
  const blobs = new MeteredBlobStore(await createBlobStore(config.blobStore), metrics);
  const assets = new AssetService({ store, blobs, clock, recycleRetentionSeconds: config.recycleRetentionSeconds });
  const files = new FileService({
    store,
    blobs,
    clock,
    assets,
    urls: new UrlSigner(config.urlSecret),
    publicEndpoint: () => config.publicEndpoint,
    uploadUrlTtlSeconds: config.uploadUrlTtlSeconds,
    downloadUrlTtlSeconds: config.downloadUrlTtlSeconds,
    maxFileSizeBytes: config.maxFileSizeBytes,
  });
  const keyRing = existsSync(config.replication.keyRingFile) ? loadKeyRing(config.replication.keyRingFile) : undefined;
  if (keyRing) metrics.observeSeals(keyRing.sealsByKey);
  const replication = new ReplicationService({
    store,
    assets,
    clock,
    keyRing,
    // Capabilities are signed with this region's own secret, never the shared key ring.
    capabilities: new CapabilitySigner(Buffer.from(hkdfSync('sha256', config.urlSecret, config.region, 'assetbridge-capability', 32))),
    settings: {
      region: config.region,
      peers: config.replication.peers,
      tokenTtlSeconds: config.replication.tokenTtlSeconds,
      copyWindowSeconds: config.replication.copyWindowSeconds,
      maxFileSizeBytes: config.maxFileSizeBytes,
    },
    onImported: () => worker.wake(),
  });
  const worker: CopyWorker = new CopyWorker({
    store,
    blobs,
    clock,
    logger,
    region: config.region,
    peers: config.replication.peers,
    stagingDir: path.join(config.dataDir, 'copy-staging'),
    parallelTasks: config.replication.parallelTasks,
    parallelFiles: config.replication.parallelFiles,
    peerBandwidthBytesPerSecond: config.replication.peerBandwidthBytesPerSecond,
    onBytes: (n) => metrics.copyBytes.inc(n),
    onFinished: (task, failureCode) => {
      if (failureCode) metrics.copyFailures.inc({ reason: failureCode });
      else metrics.copySeconds.observe((Date.now() - Date.parse(task.startedAt)) / 1000);
    },
    leaseMs: config.replication.leaseSeconds * 1000,
  });
  const authenticator: Authenticator = new IdentityAuthenticator({ identity, clock, region: config.region });
  const app = await buildApp({
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    authenticator,
    publicEndpoint: () => config.publicEndpoint,
    deps: { assets, files, identity, authenticator, replication, metrics, metricsOnApi: config.metrics.mode === 'api', region: config.region },
  });

  let metricsServer: { close(): Promise<void> } | undefined;
  const purge = setInterval(() => {
    assets.purgeExpired().catch((err: unknown) => logger.error({ err }, 'recycle-bin purge failed'));
    worker.sweep().catch((err: unknown) => logger.error({ err }, 'copy sweep failed'));
  }, purgeIntervalMs);
  purge.unref();

  return {
    config,
    app,
    assets,
    files,
    blobs,
    identity,
    replication,
    worker,
    async listen() {
      await app.listen({ host: config.host, port: config.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      if (config.port === 0 && config.publicEndpoint.endsWith(':0')) {
        config.publicEndpoint = config.publicEndpoint.replace(/:0$/, `:${port}`);
      }
      config.port = port;
      await identity.registerRegion(config.region, config.publicEndpoint);
      if (config.metrics.mode === 'port') {
        const server = await startMetricsServer(metrics, config.host, config.metrics.port);
        // Port 0 picks a free one: record it, as for the API port.
        config.metrics.port = server.port;
        metricsServer = server;
      }
      worker.start();
      return port;
    },
    async close() {
      clearInterval(purge);
      await worker.stop();
      await app.close();
      await metricsServer?.close();
      await blobs.close?.();
      await database.close();
      if (!options.identity) await identity.close();
    },
  };
}
