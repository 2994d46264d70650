import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { IdentityService } from '../../services/identity/identity-service.js';

/** The built console: dist/console beside the compiled server, or from the sources' root. */
function consoleRoot(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [path.resolve(here, '../../console'), path.resolve(here, '../../../dist/console')].find((dir) => existsSync(path.join(dir, 'index.html')));
}

/**
 * The web console at /console/ (static files, no credentials), its config, and CORS for the
 * deployment's own console origins: a console served by one region calls every region.
 */
export async function registerConsole(app: FastifyInstance, options: { region: string; identity: IdentityService; publicEndpoint: string }): Promise<void> {
  let origins: { at: number; set: Set<string> } = { at: 0, set: new Set() };
  const allowed = async (origin: string): Promise<boolean> => {
    if (Date.now() - origins.at > 10_000) {
      const regions = await options.identity.listRegions();
      origins = { at: Date.now(), set: new Set([options.publicEndpoint, ...regions.map((r) => r.endpoint)].map((e) => new URL(e).origin)) };
    }
    return origins.set.has(origin);
  };
  await app.register(cors, {
    origin: (origin, cb) => {
      if (!origin) return cb(null, false);
      allowed(origin).then((ok) => cb(null, ok), (err: Error) => cb(err, false));
    },
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['content-type', 'content-md5', 'x-auth-token', 'x-app-userid', 'x-request-id', 'x-project-id', 'authorization', 'x-sdk-date'],
    exposedHeaders: ['x-subject-token', 'x-request-id', 'etag', 'content-range'],
    maxAge: 600,
  });

  app.get('/console/config.json', { config: { operation: 'console.config', public: true } }, async () => ({
    region: options.region,
    regions: (await options.identity.listRegions()).map((r) => ({ name: r.name, endpoint: r.endpoint })),
  }));
  const root = consoleRoot();
  if (!root) {
    app.get('/console/', { config: { operation: 'console', public: true } }, async (_req, reply) =>
      reply.status(503).type('text/plain').send('The console is not built: run npm run build.'),
    );
    return;
  }
  // The index is served by hand: the static plugin's own index route misses with ignoreTrailingSlash.
  await app.register(fastifyStatic, { root, prefix: '/console/', decorateReply: false, index: false });
  const index = await readFile(path.join(root, 'index.html'));
  app.get('/console/', { config: { operation: 'console', public: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(index));
}
