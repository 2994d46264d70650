import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Authenticator } from '../ports/authenticator.js';
import { registerAuth } from './plugins/auth.js';
import { registerErrorHandler } from './plugins/error-handler.js';
import { registerJsonBody } from './plugins/json-body.js';
import { registerRequestContext, requestIdFor } from './plugins/request-context.js';
import type { RouteDeps } from './routes/deps.js';
import { iamRoutes, projectRoutes, registerBlobRoutes } from './routes/index.js';
import type { AppInstance } from './types.js';
import { validatorCompiler } from './validation.js';

export interface AppOptions {
  logger: FastifyBaseLogger;
  bodyLimitBytes: number;
  authenticator: Authenticator;
  deps: RouteDeps;
}

/** The region's HTTP API. */
export async function buildApp(options: AppOptions): Promise<AppInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    // One access-log line per request comes from the request-context plugin instead.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdFor,
    bodyLimit: options.bodyLimitBytes,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler());
  registerRequestContext(app);
  registerErrorHandler(app);
  registerJsonBody(app);

  await app.register(async (api) => {
    registerAuth(api, options.authenticator);
    for (const route of projectRoutes) route(api, options.deps);
  });
  await app.register(async (blobs) => registerBlobRoutes(blobs, options.deps));
  await app.register(async (iam) => {
    for (const route of iamRoutes) route(iam, options.deps);
  });
  return app;
}
