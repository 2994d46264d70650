import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Principal } from '../domain/principal.js';

export type AppInstance = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered (method and URL pattern). */
    registeredRoutes: { method: string; url: string }[];
  }
  interface FastifyRequest {
    /** Set by the authentication step on every `/v1/{project_id}/...` route. */
    principal?: Principal;
    /** The body bytes as received, for signature checks. */
    rawBody?: Buffer;
  }
  interface FastifyContextConfig {
    /** Stable operation name, used in logs and metrics (e.g. `asset.create`). */
    operation?: string;
    /** Routes outside the project API skip the authentication step. */
    public?: boolean;
  }
}

/** The principal of an authenticated request (the auth step guarantees it). */
export function principalOf(request: { principal?: Principal }): Principal {
  if (!request.principal) throw new Error('route reached without authentication');
  return request.principal;
}
