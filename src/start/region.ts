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

export interface Region {
  config: RegionConfig;
  app: AppInstance;
  assets: AssetService;
  files: FileService;
  blobs: BlobStore;
  identity: IdentityService;
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
  options: { clock?: Clock; identity?: IdentityService } = {},
): Promise<Region> {
  const clock = options.clock ?? systemClock;
  // Local mode shares one identity service between its regions; otherwise the region owns one.
  const identity = options.identity ?? (await openIdentity(config.identity, clock));
  const database = openDatabase(config.databaseUrl);
  await migrate(database.db);
  const store = new KyselyMetadataStore(database.db);
  const blobs = await createBlobStore(config.blobStore);
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
  const authenticator: Authenticator = new IdentityAuthenticator({ identity, clock, region: config.region });
  const app = await buildApp({
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    authenticator,
    deps: { assets, files, identity, authenticator, region: config.region },
  });

  const purge = setInterval(() => {
    assets.purgeExpired().catch((err: unknown) => logger.error({ err }, 'recycle-bin purge failed'));
  }, purgeIntervalMs);
  purge.unref();

  return {
    config,
    app,
    assets,
    files,
    blobs,
    identity,
    async listen() {
      await app.listen({ host: config.host, port: config.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      if (config.port === 0 && config.publicEndpoint.endsWith(':0')) {
        config.publicEndpoint = config.publicEndpoint.replace(/:0$/, `:${port}`);
      }
      config.port = port;
      await identity.registerRegion(config.region, config.publicEndpoint);
      return port;
    },
    async close() {
      clearInterval(purge);
      await app.close();
      await blobs.close?.();
      await database.close();
      if (!options.identity) await identity.close();
    },
  };
}
