import type { AppInstance } from '../types.js';
import type { RouteDeps } from './deps.js';

/** Prometheus text format, without credentials. */
export default function register(app: AppInstance, deps: RouteDeps): void {
  app.get('/metrics', { config: { operation: 'metrics', public: true } }, async (_request, reply) => {
    reply.header('Content-Type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}
