import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../types.js';
import { Id, withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

const Name = Type.String({ minLength: 1, maxLength: 64 });

/** Keystone v3 password authentication, as Huawei IAM shapes it. */
const TokenRequest = Type.Object({
  auth: Type.Object({
    identity: Type.Object({
      methods: Type.Array(Type.Literal('password'), { minItems: 1, maxItems: 1 }),
      password: Type.Object({
        user: Type.Object({ name: Name, password: Type.String({ minLength: 1, maxLength: 128 }), domain: Type.Object({ name: Name }) }),
      }),
    }),
    scope: Type.Object({
      project: Type.Union([Type.Object({ id: Id }), Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) })]),
    }),
  }),
});

const Ref = Type.Object({ id: Type.String(), name: Type.String() });
const TokenBody = Type.Object({
  token: Type.Object({
    expires_at: Type.String(),
    issued_at: Type.String(),
    methods: Type.Array(Type.String()),
    user: Type.Object({ id: Type.String(), name: Type.String(), domain: Ref }),
    project: Type.Object({ id: Type.String(), name: Type.String(), domain: Ref }),
    catalog: Type.Array(
      Type.Object({
        type: Type.String(),
        name: Type.String(),
        id: Type.String(),
        endpoints: Type.Array(Type.Object({ id: Type.String(), interface: Type.String(), region: Type.String(), region_id: Type.String(), url: Type.String() })),
      }),
    ),
  }),
});

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

export default function register(app: AppInstance, deps: RouteDeps): void {
  app.post(
    '/v3/auth/tokens',
    {
      config: { operation: 'iam.token.create', public: true },
      schema: { operationId: 'KeystoneCreateUserTokenByPassword', tags: ['iam'], body: TokenRequest, response: { ...withErrors(TokenBody), 201: TokenBody } },
    },
    async (request, reply) => {
      const { user } = request.body.auth.identity.password;
      const scope = request.body.auth.scope.project;
      const issued = await deps.logins.attempt({ domain: user.domain.name, name: user.name }, request.ip, () =>
        deps.identity.issueToken({
          domainName: user.domain.name,
          userName: user.name,
          password: user.password,
          scope: 'id' in scope ? { projectId: scope.id } : { projectName: scope.name },
        }),
      );
      const regions = await deps.identity.listRegions();
      const domain = { id: issued.account.id, name: issued.account.name };
      reply.status(201).header('X-Subject-Token', issued.token);
      return {
        token: {
          expires_at: iso(issued.claims.exp),
          issued_at: iso(issued.claims.iat),
          methods: ['password'],
          user: { id: issued.claims.userId, name: issued.claims.userName, domain },
          project: { id: issued.project.id, name: issued.project.region, domain },
          catalog: [
            {
              type: 'metastudio',
              name: 'metastudio',
              id: 'metastudio',
              endpoints: regions.map((r) => ({ id: r.name, interface: 'public', region: r.name, region_id: r.name, url: r.endpoint })),
            },
          ],
        },
      };
    },
  );
}
