import type { Server } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Authenticator } from '../ports/authenticator.js';
import { registerAuth } from './plugins/auth.js';
import { frameworkErrors, registerErrorHandler } from './plugins/error-handler.js';
import { registerConsole } from './plugins/console.js';
import { registerJsonBody } from './plugins/json-body.js';
import { registerOpenApi } from './plugins/openapi.js';
import { registerRequestContext, requestIdFor } from './plugins/request-context.js';
import { lazyRequestLogger } from './plugins/request-logger.js';
import { registerRequestTarget } from './plugins/request-target.js';
import type { RouteDeps } from './routes/deps.js';
import { iamRoutes, projectRoutes, registerBlobRoutes, registerOperationsRoutes } from './routes/index.js';
import type { AppInstance } from './types.js';
import { validatorCompiler } from './validation.js';

export interface AppOptions {
  logger: FastifyBaseLogger;
  /**
   * The HTTP server, already bound by the caller (so the port is known before anything is
   * built); requests reach the app once the caller hands them `app.routing`.
   */
  server: Server;
  bodyLimitBytes: number;
  /** Proxies whose X-Forwarded-For gives the client address (none: the socket's address). */
  trustProxy: readonly string[];
  /** AK/SK bodies received at once per client address before their signature is checked. */
  maxUnverifiedBodies: number;
  authenticator: Authenticator;
  deps: RouteDeps;
  /** This region's public base URL. */
  publicEndpoint: string;
  /**
   * `api`: the whole HTTP API (default); `operations`: only what a worker-only process
   * answers (`/healthz`, `/readyz`, `/metrics`).
   */
  surface?: 'api' | 'operations';
}

/** How the router reads a path (the request-target property test builds its router from it). */
export const routerOptions = { ignoreTrailingSlash: true, maxParamLength: 256 } as const;

/** The region's HTTP API, ready to serve. */
export async function buildApp(options: AppOptions): Promise<AppInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    serverFactory: () => options.server,
    // One access-log line per request comes from the request-context plugin instead.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdFor,
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: options.bodyLimitBytes,
    trustProxy: options.trustProxy.length > 0 ? [...options.trustProxy] : false,
    routerOptions,
    return503OnClosing: true,
    frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler());
  // Every route, as registered: the OpenAPI completeness test compares the document to it.
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  app.decorate('registeredRoutes', routes);
  registerRequestContext(app, options.deps.metrics);
  registerErrorHandler(app);
  registerRequestTarget(app);
  if (options.surface === 'operations') {
    registerOperationsRoutes(app, options.deps);
    await app.ready();
    return app;
  }
  registerJsonBody(app);
  await registerOpenApi(app, { region: options.deps.region, version: '0.1.0' });
  await registerConsole(app, { region: options.deps.region, identity: options.deps.identity, publicEndpoint: options.publicEndpoint });
  registerOperationsRoutes(app, options.deps);

  await app.register(async (api) => {
    registerAuth(api, options.authenticator, { maxUnverifiedBodies: options.maxUnverifiedBodies });
    for (const route of projectRoutes) route(api, options.deps);
  });
  await app.register(async (blobs) => registerBlobRoutes(blobs, options.deps));
  await app.register(async (iam) => {
    for (const route of iamRoutes) route(iam, options.deps);
  });
  await app.ready();
  return app;
}
