import { hkdfSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { regionConfig, roleRunsLoops, roleServesApi, type EdgeConfig, type RegionConfig, type RegionSettings } from '../config/index.js';
import { migrate, openDatabase } from '../adapters/db/database.js';
import { KyselyMetadataStore } from '../adapters/db/metadata-store-kysely.js';
import { createBlobStore } from '../adapters/blob/blob-store-factory.js';
import { makePrivateDir } from '../adapters/private-files.js';
import { systemClock } from '../adapters/system-clock.js';
import { buildApp } from '../http/app.js';
import { withRequestTimeout } from '../http/request-timeout.js';
import { inTurns } from '../http/request-turns.js';
import type { AppInstance } from '../http/types.js';
import type { Authenticator } from '../ports/authenticator.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Clock } from '../ports/clock.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { AssetService } from '../services/asset-service.js';
import { BackgroundLoops } from '../services/background-loops.js';
import { ReadinessProbe } from '../services/readiness.js';
import { FileService } from '../services/file-service.js';
import { QuotaGuard } from '../services/quota-guard.js';
import { LargeFileAssembler } from '../services/large-files/assembler.js';
import { ShareRules } from '../services/sharing.js';
import { TransferService } from '../services/transfers/transfer-service.js';
import { ScheduledOperationService } from '../services/scheduled-operations.js';
import { MediaService } from '../services/media-service.js';
import { LibraryMediaProbe } from '../adapters/media/media-probe.js';
import { UrlSigner } from '../services/signed-url.js';
import { IdentityAuthenticator } from '../services/identity/identity-authenticator.js';
import type { IdentityService } from '../services/identity/identity-service.js';
import { LoginGuard } from '../services/identity/login-guard.js';
import { openIdentity } from './identity.js';
import { countQuery } from '../observability/query-count.js';
import { bindListener, type Listener } from './listener.js';
import { MeteredBlobStore } from '../observability/blob-store-metrics.js';
import { Metrics } from '../observability/metrics.js';
import { ShowCache } from '../http/show-cache.js';
import { startMetricsServer } from '../observability/metrics-server.js';
import { CapabilitySigner } from '../services/replication/capability.js';
import { CopyWorker } from '../services/replication/copy-worker.js';
import { CopyLeftovers } from '../services/replication/copy-leftovers.js';
import { StagingSweeper } from '../services/staging-sweeper.js';
import { HttpPeerTransport } from '../adapters/peer/http-peer-transport.js';
import { loadKeyRing } from '../services/replication/key-ring.js';
import { ReplicationService } from '../services/replication/replication-service.js';
import { RuleService } from '../services/replication/rule-service.js';
import { RuleReceiver } from '../services/replication/rule-receiver.js';
import { httpDeliveryTransport, RuleDeliverer } from '../services/replication/rule-deliverer.js';

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
  readonly rules: RuleService;
  /** Region A's side of replication rules: the outbox's delivery loop. */
  readonly deliverer: RuleDeliverer;
  readonly transfers: TransferService;
  readonly worker: CopyWorker;
  /** The region's background loops; running in the `worker` and `all` roles only. */
  readonly loops: BackgroundLoops;
  /** Joins and hashes confirmed large files. */
  readonly assembler: LargeFileAssembler;
  /** The age sweep of the blob store's scratch files (`ASSETBRIDGE_STAGING_MAX_AGE`). */
  readonly staging: StagingSweeper;
  readonly scheduled: ScheduledOperationService;
  /** Media metadata and thumbnails of confirmed MAIN files (tests wait on `media.idle()`). */
  readonly media: MediaService;
  /** The port `/metrics` listens on when it has one of its own (`ASSETBRIDGE_METRICS=<port>`, 0: a free one). */
  readonly metricsPort?: number;
  /** Stops accepting, lets in-flight requests finish, closes pools. */
  close(): Promise<void>;
}

export interface RegionOptions {
  clock?: Clock;
  /** Local mode shares one identity service between its regions; otherwise the region opens its own. */
  identity?: IdentityService;
  /** Local mode shares one login guard (one password-hashing bound) between its regions. */
  logins?: LoginGuard;
  /** Node's process metrics on /metrics (one region per process only). */
  defaultMetrics?: boolean;
}

/** How often the sweepers, the recycle-bin purge and the transfer expiry run. */
const sweepIntervalMs = 60_000;

/** The login rate limits and password-hashing bound of one process. */
export function loginGuard(edge: EdgeConfig, clock: Clock = systemClock): LoginGuard {
  return new LoginGuard({
    clock,
    perUserAddress: edge.loginsPerUserAddress,
    perAddress: edge.loginsPerAddress,
    hashConcurrency: edge.passwordHashConcurrency,
    hashQueue: edge.passwordHashQueue,
  });
}

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
  makePrivateDir(config.dataDir);
  const identity = options.identity ?? (await openIdentity(config.identity, clock));
  const database = openDatabase(config.databaseUrl, { onQuery: countQuery });
  await migrate(database);
  const store = new KyselyMetadataStore(database.db, database.engine, database.direct);
  const metrics = new Metrics(config.region, { defaultMetrics: options.defaultMetrics ?? false });
  metrics.observeCopyTasks(() => store.copyTasks.countByState());
  const rawBlobs = await createBlobStore(config.blobStore);
  const blobs = new MeteredBlobStore(rawBlobs, metrics);
  const sharing = new ShareRules({ projects: identity, region: config.region, clock });
  const quota = new QuotaGuard(config.quotas);
  const assets = new AssetService({ store, blobs, clock, recycleRetentionSeconds: config.recycleRetentionSeconds, sharing, quota });
  const transfers = new TransferService({ store, assets, projects: identity, region: config.region, clock, ttlSeconds: config.transferTtlSeconds, quota });
  const probe = new LibraryMediaProbe();
  const media = new MediaService({
    store,
    blobs,
    probe,
    maxImageBytes: config.maxImageParseBytes,
    onError: (file, err) => logger.error({ err, asset_id: file.assetId, file_id: file.fileId }, 'media metadata not written'),
  });
  const files = new FileService({
    store,
    blobs,
    clock,
    assets,
    quota,
    urls: new UrlSigner(config.urlSecret),
    publicEndpoint: config.publicEndpoint,
    uploadUrlTtlSeconds: config.uploadUrlTtlSeconds,
    downloadUrlTtlSeconds: config.downloadUrlTtlSeconds,
    maxFileSizeBytes: config.maxFileSizeBytes,
    maxLargeFileSizeBytes: config.maxLargeFileSizeBytes,
    onAssemblyDue: () => assembler.wake(),
    onMainConfirmed: (file) => media.enqueue(file),
  });
  const assembler: LargeFileAssembler = new LargeFileAssembler({ store, blobs, files, clock, logger });
  const keyRing = existsSync(config.replication.keyRingFile) ? loadKeyRing(config.replication.keyRingFile) : undefined;
  if (keyRing) metrics.observeSeals(keyRing.sealsByKey);
  const hasPeers = Object.keys(config.replication.peers).length > 0;
  if (!keyRing && hasPeers) {
    logger.warn(
      { keyRingFile: config.replication.keyRingFile, peers: Object.keys(config.replication.peers) },
      'peers are configured but there is no key ring: copies between regions are refused and /readyz answers 503 (assetbridge keys add ... --activate)',
    );
  }
  const replication = new ReplicationService({
    store,
    blobs,
    assets,
    clock,
    keyRing,
    quota,
    // Capabilities are signed with this region's own secret, never the shared key ring.
    capabilities: new CapabilitySigner(Buffer.from(hkdfSync('sha256', config.urlSecret, config.region, 'assetbridge-capability', 32))),
    settings: {
      region: config.region,
      peers: config.replication.peers,
      tokenTtlSeconds: config.replication.tokenTtlSeconds,
      copyWindowSeconds: config.replication.copyWindowSeconds,
      // A large file copies like any other.
      maxFileSizeBytes: config.maxLargeFileSizeBytes,
    },
    onImported: () => worker.wake(),
    leftovers: new CopyLeftovers({ store, blobs, clock }),
  });
  const rules = new RuleService({
    store,
    directory: identity,
    clock,
    region: config.region,
    peers: config.replication.peers,
    onQueued: () => deliverer.wake(),
  });
  const deliverer: RuleDeliverer = new RuleDeliverer({
    store,
    replication,
    keyRing,
    clock,
    logger,
    region: config.region,
    peers: config.replication.peers,
    transport: httpDeliveryTransport(),
    concurrency: config.replication.ruleDeliveryConcurrency,
    batchSize: config.replication.ruleDeliveryBatch,
    leaseMs: config.replication.leaseSeconds * 1000,
    retryMaxMs: config.replication.ruleRetryMaxSeconds * 1000,
    onCompleted: (target, lag) => metrics.replicationLag.observe({ target_region: target }, lag),
    onFailed: (reason) => metrics.replicationFailures.inc({ reason }),
  });
  const ruleReceiver = new RuleReceiver({
    store,
    assets,
    replication,
    projects: identity,
    keyRing,
    clock,
    logger,
    region: config.region,
    peers: config.replication.peers,
    onCopyQueued: () => worker.wake(),
  });
  metrics.observeRulePending(() => store.rules.pendingByTarget());
  const peerTransport = new HttpPeerTransport(config.replication.streamsPerPeer);
  const worker: CopyWorker = new CopyWorker({
    store,
    blobs,
    clock,
    logger,
    region: config.region,
    peers: config.replication.peers,
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
    maxClaims: config.replication.maxClaims,
  });
  const loops = new BackgroundLoops(logger);
  // Copies: claimed with a lease at a new epoch, so any number of workers share them.
  loops.add({ name: 'copy-worker', start: () => worker.start(), stop: () => worker.stop() });
  // Large files: each assembly held with a lease, so any number of workers share them.
  // Rule deliveries: outbox entries claimed with a lease, so any number of workers share them.
  loops.add({ name: 'rule-deliverer', start: () => deliverer.start(), stop: () => deliverer.stop() });
  loops.add({ name: 'large-file-assembler', start: () => assembler.start(), stop: () => assembler.stop() });
  // Each step of these is a conditional write: a second process doing it changes nothing.
  loops.every('recycle-bin-purge', sweepIntervalMs, () => assets.purgeExpired());
  loops.every('copy-sweep', sweepIntervalMs, () => worker.sweep());
  loops.every('transfer-expiry', sweepIntervalMs, () => transfers.expireDue());
  loops.every('expired-upload-purge', sweepIntervalMs, () => files.purgeExpiredUploads());
  const staging = new StagingSweeper({ store, blobs, clock, maxAgeSeconds: config.stagingMaxAgeSeconds });
  loops.every('staging-sweep', sweepIntervalMs, () => staging.sweep());

  const readiness = new ReadinessProbe({
    checks: [
      { name: 'metadata_database', check: () => store.copyTasks.countByState() },
      { name: 'identity_database', check: () => identity.listRegions() },
      // An absent key answers "not found" when the store is reachable.
      { name: 'blob_store', check: () => rawBlobs.head('readyz/probe') },
    ],
    keyRing,
    hasPeers,
    logger,
  });
  const servesApi = roleServesApi(config.role);
  const authenticator: Authenticator = new IdentityAuthenticator({
    identity,
    clock,
    region: config.region,
    onLockout: (accessKey, clientAddress) => {
      metrics.accessKeyLockouts.inc();
      logger.warn({ accessKey, clientAddress }, 'access key locked for this client address after too many bad signatures');
    },
  });
  const scheduled = new ScheduledOperationService({
    store,
    clock,
    onError: (op, err) => logger.warn({ err, asset_id: op.assetId, operation: op.operation }, 'scheduled operation not applied; trying again at the next round'),
  });
  loops.every('scheduled-operations', config.scheduleIntervalSeconds * 1000, () => scheduled.runDue());
  const app = await buildApp({
    logger,
    server: listener.server,
    bodyLimitBytes: config.bodyLimitBytes,
    trustProxy: config.edge.trustProxy,
    maxUnverifiedBodies: config.edge.maxUnverifiedBodies,
    authenticator,
    publicEndpoint: config.publicEndpoint,
    surface: servesApi ? 'api' : 'operations',
    deps: {
      assets, files, showCache: new ShowCache({ maxBytes: config.showCacheMiB * 1_048_576, downloadUrlTtlSeconds: config.downloadUrlTtlSeconds, clock }),
      identity, logins: options.logins ?? loginGuard(config.edge, clock), authenticator, replication, rules, ruleReceiver, transfers, metrics,
      metricsOnApi: config.metrics.mode === 'api', region: config.region, role: config.role, readiness,
    },
  });

  // The endpoint registered is the public one clients reach: only processes serving the API say it.
  if (servesApi) await identity.registerRegion(config.region, config.publicEndpoint);
  const metricsServer = config.metrics.mode === 'port' ? await startMetricsServer(metrics, config.host, config.metrics.port) : undefined;
  if (roleRunsLoops(config.role)) loops.start();
  listener.serve(
    withRequestTimeout(inTurns((req, res) => app.routing(req, res)), config.edge),
    config.edge,
  );

  return {
    config,
    app,
    assets,
    files,
    blobs,
    store,
    identity,
    replication,
    rules,
    deliverer,
    transfers,
    worker,
    loops,
    assembler,
    staging,
    scheduled,
    media,
    metricsPort: metricsServer?.port,
    async close() {
      const stopAccepting = listener.close();
      await loops.stop();
      await media.idle();
      await probe.close();
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
