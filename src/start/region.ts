import { hkdfSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { regionConfig, type RegionConfig, type RegionSettings } from '../config/index.js';
import { migrate, openDatabase } from '../adapters/db/database.js';
import { KyselyMetadataStore } from '../adapters/db/metadata-store-kysely.js';
import { createBlobStore } from '../adapters/blob/blob-store-factory.js';
import { systemClock } from '../adapters/system-clock.js';
import { buildApp } from '../http/app.js';
import type { AppInstance } from '../http/types.js';
import type { Authenticator } from '../ports/authenticator.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Clock } from '../ports/clock.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { AssetService } from '../services/asset-service.js';
import { FileService } from '../services/file-service.js';
import { ShareRules } from '../services/sharing.js';
import { TransferService } from '../services/transfers/transfer-service.js';
import { UrlSigner } from '../services/signed-url.js';
import { IdentityAuthenticator } from '../services/identity/identity-authenticator.js';
import type { IdentityService } from '../services/identity/identity-service.js';
import { openIdentity } from './identity.js';
import { bindListener, type Listener } from './listener.js';
import { MeteredBlobStore } from '../observability/blob-store-metrics.js';
import { Metrics } from '../observability/metrics.js';
import { startMetricsServer } from '../observability/metrics-server.js';
import { CapabilitySigner } from '../services/replication/capability.js';
import { CopyWorker } from '../services/replication/copy-worker.js';
import { HttpPeerTransport } from '../adapters/peer/http-peer-transport.js';
import { loadKeyRing } from '../services/replication/key-ring.js';
import { ReplicationService } from '../services/replication/replication-service.js';

export interface Region {
  /** Complete and immutable: the bound port and the public endpoint included. */
  readonly config: RegionConfig;
  readonly app: AppInstance;
  readonly assets: AssetService;
  readonly files: FileService;
  readonly blobs: BlobStore;
  /** The region's metadata (tests and operator tools read copy tasks through it). */
  readonly store: MetadataStore;
  readonly identity: IdentityService;
  readonly replication: ReplicationService;
  readonly transfers: TransferService;
  readonly worker: CopyWorker;
  /** The port `/metrics` listens on when it has one of its own (`ASSETBRIDGE_METRICS=<port>`, 0: a free one). */
  readonly metricsPort?: number;
  /** Stops accepting, lets in-flight requests finish, closes pools. */
  close(): Promise<void>;
}

export interface RegionOptions {
  clock?: Clock;
  /** Local mode shares one identity service between its regions; otherwise the region opens its own. */
  identity?: IdentityService;
  /** Node's process metrics on /metrics (one region per process only). */
  defaultMetrics?: boolean;
}

const purgeIntervalMs = 60_000;

/** One region from its settings: binds its socket first, so its configuration is complete before it is built. */
export async function startRegion(settings: RegionSettings, logger: Logger, options: RegionOptions = {}): Promise<Region> {
  const listener = await bindListener(settings.host, settings.port);
  try {
    return await createRegion(regionConfig(settings, listener.port), listener, logger, options);
  } catch (err) {
    await listener.close();
    throw err;
  }
}

/**
 * Composition root of one region on its bound socket: adapters chosen by config, wired into
 * services and HTTP; the region is registered, its background loops started, and requests
 * served once everything is built.
 */
export async function createRegion(config: RegionConfig, listener: Listener, logger: Logger, options: RegionOptions = {}): Promise<Region> {
  const clock = options.clock ?? systemClock;
  const identity = options.identity ?? (await openIdentity(config.identity, clock));
  const database = openDatabase(config.databaseUrl);
  await migrate(database.db);
  const store = new KyselyMetadataStore(database.db, database.engine);
  const metrics = new Metrics(config.region, { defaultMetrics: options.defaultMetrics ?? false });
  metrics.observeCopyTasks(() => store.copyTasks.countByState());
  const blobs = new MeteredBlobStore(await createBlobStore(config.blobStore), metrics);
  const sharing = new ShareRules({ projects: identity, region: config.region, clock });
  const assets = new AssetService({ store, blobs, clock, recycleRetentionSeconds: config.recycleRetentionSeconds, sharing });
  // Quotas of the receiving project plug in here (`quota`), checked inside each accept.
  const transfers = new TransferService({ store, assets, projects: identity, region: config.region, clock, ttlSeconds: config.transferTtlSeconds });
  const files = new FileService({
    store,
    blobs,
    clock,
    assets,
    urls: new UrlSigner(config.urlSecret),
    publicEndpoint: config.publicEndpoint,
    uploadUrlTtlSeconds: config.uploadUrlTtlSeconds,
    downloadUrlTtlSeconds: config.downloadUrlTtlSeconds,
    maxFileSizeBytes: config.maxFileSizeBytes,
  });
  const keyRing = existsSync(config.replication.keyRingFile) ? loadKeyRing(config.replication.keyRingFile) : undefined;
  if (keyRing) metrics.observeSeals(keyRing.sealsByKey);
  const replication = new ReplicationService({
    store,
    blobs,
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
  const peerTransport = new HttpPeerTransport(config.replication.streamsPerPeer);
  const worker: CopyWorker = new CopyWorker({
    store,
    blobs,
    clock,
    logger,
    region: config.region,
    peers: config.replication.peers,
    stagingDir: path.join(config.dataDir, 'copy-staging'),
    parallelTasks: config.replication.parallelTasks,
    streamsPerPeer: config.replication.streamsPerPeer,
    transport: peerTransport,
    peerBandwidthBytesPerSecond: config.replication.peerBandwidthBytesPerSecond,
    onBytes: (n) => metrics.copyBytes.inc(n),
    onFinished: (task, failureCode) => {
      if (failureCode) metrics.copyFailures.inc({ reason: failureCode });
      else metrics.copySeconds.observe((Date.now() - Date.parse(task.startedAt)) / 1000);
    },
    onLeaseRenewFailed: () => metrics.copyLeaseRenewFailures.inc(),
    leaseMs: config.replication.leaseSeconds * 1000,
  });
  const authenticator: Authenticator = new IdentityAuthenticator({ identity, clock, region: config.region });
  const app = await buildApp({
    logger,
    server: listener.server,
    bodyLimitBytes: config.bodyLimitBytes,
    authenticator,
    publicEndpoint: config.publicEndpoint,
    deps: { assets, files, identity, authenticator, replication, transfers, metrics, metricsOnApi: config.metrics.mode === 'api', region: config.region },
  });

  await identity.registerRegion(config.region, config.publicEndpoint);
  const metricsServer = config.metrics.mode === 'port' ? await startMetricsServer(metrics, config.host, config.metrics.port) : undefined;
  const purge = setInterval(() => {
    assets.purgeExpired().catch((err: unknown) => logger.error({ err }, 'recycle-bin purge failed'));
    worker.sweep().catch((err: unknown) => logger.error({ err }, 'copy sweep failed'));
    transfers.expireDue().catch((err: unknown) => logger.error({ err }, 'transfer expiry sweep failed'));
  }, purgeIntervalMs);
  purge.unref();
  worker.start();
  listener.serve((req, res) => app.routing(req, res));

  return {
    config,
    app,
    assets,
    files,
    blobs,
    store,
    identity,
    replication,
    transfers,
    worker,
    metricsPort: metricsServer?.port,
    async close() {
      clearInterval(purge);
      const stopAccepting = listener.close();
      await worker.stop();
      peerTransport.close();
      await app.close();
      await stopAccepting;
      await metricsServer?.close();
      await blobs.close();
      await database.close();
      if (!options.identity) await identity.close();
    },
  };
}
