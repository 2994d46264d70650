import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Principal } from '../domain/principal.js';
import type { Caller } from '../ports/authenticator.js';

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
    /** A token's caller, established from the headers before the body was read. */
    caller?: Caller;
    /** An AK/SK request prechecked from its headers: checks the signature once the body arrived. */
    verifySignature?: (body: Buffer) => Caller;
    /** Gives back this request's slot among the bodies received before verification. */
    releaseBodySlot?: () => void;
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
