import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.js';
import type { RouteDeps } from './deps.js';

const Check = Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()), ms: Type.Integer() });

const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  region: Type.String(),
  role: Type.String(),
  checks: Type.Record(Type.String(), Check),
  key_ring: Type.Object({
    loaded: Type.Boolean(),
    required: Type.Boolean({ description: 'the region has peers: copies need the ring' }),
    active_key: Type.Optional(Type.String()),
    keys: Type.Optional(Type.Array(Type.String(), { description: 'key ids (never the keys)' })),
  }),
});

/** Health endpoints for load balancers and orchestrators: no credentials, on every role. */
export default function register(app: AppInstance, deps: RouteDeps): void {
  app.get(
    '/healthz',
    {
      config: { operation: 'health.live', public: true },
      schema: {
        operationId: 'ShowHealth',
        tags: ['operations'],
        description: 'The process is up (nothing else is checked).',
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok'), region: Type.String(), role: Type.String() }) },
      },
    },
    async () => ({ status: 'ok' as const, region: deps.region, role: deps.role }),
  );
  app.get(
    '/readyz',
    {
      config: { operation: 'health.ready', public: true },
      schema: {
        operationId: 'ShowReadiness',
        tags: ['operations'],
        description:
          'The metadata and identity databases and the blob store answer (each within 2 s), and the key ring is loaded if the region has peers. 503 otherwise; a missing key ring without peers is reported, not an error.',
        security: [],
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const r = await deps.readiness.probe();
      const { activeKey, keys, ...ring } = r.keyRing;
      reply.code(r.ready ? 200 : 503);
      return {
        status: r.ready ? ('ready' as const) : ('unavailable' as const),
        region: deps.region,
        role: deps.role,
        checks: r.checks,
        key_ring: { ...ring, ...(activeKey !== undefined ? { active_key: activeKey, keys } : {}) },
      };
    },
  );
}
