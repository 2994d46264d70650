import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * The OpenAPI 3 document, generated from the route schemas (so it cannot drift), at
 * `/openapi.json`, and a browsable page at `/docs`. Both answer without credentials.
 */
export async function registerOpenApi(app: FastifyInstance, options: { region: string; version: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'assetbridge',
        version: options.version,
        description: `MetaStudio-compatible digital asset API of region ${options.region}. Project routes take AK/SK (SDK-HMAC-SHA256) or X-Auth-Token.`,
      },
      components: {
        securitySchemes: {
          aksk: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=... with X-Sdk-Date' },
          token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' },
        },
      },
      security: [{ aksk: [] }, { token: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { config: { operation: 'openapi', public: true } }, async () => app.swagger());
}
