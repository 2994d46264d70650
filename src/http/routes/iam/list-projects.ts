import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../types.js';
import { identifyCaller } from '../../plugins/auth.js';
import { withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

const Project = Type.Object({
  id: Type.String(),
  name: Type.String(),
  domain_id: Type.String(),
  parent_id: Type.String(),
  enabled: Type.Boolean(),
  is_domain: Type.Boolean(),
  description: Type.String(),
});

/**
 * Keystone's list projects: the official SDK asks it when a client names a region but no
 * project id. AK/SK callers see their account's projects; token callers their token's.
 */
export default function register(app: AppInstance, deps: RouteDeps): void {
  app.get(
    '/v3/projects',
    {
      config: { operation: 'iam.project.list', public: true },
      schema: {
        operationId: 'KeystoneListProjects',
        tags: ['iam'],
        querystring: Type.Object({ name: Type.Optional(Type.String({ maxLength: 64 })), domain_id: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: withErrors(Type.Object({ projects: Type.Array(Project), links: Type.Object({ self: Type.String() }) })),
      },
    },
    async (request) => {
      const caller = await identifyCaller(request, deps.authenticator);
      const account = await deps.identity.getAccountById(caller.accountId);
      const projects = account ? await deps.identity.projects(account.name) : [];
      const visible = projects.filter(
        (p) => (caller.tokenProjectId === undefined || p.id === caller.tokenProjectId) && (request.query.name === undefined || p.region === request.query.name),
      );
      return {
        projects: visible.map((p) => ({
          id: p.id, name: p.region, domain_id: p.accountId, parent_id: p.accountId, enabled: true, is_domain: false, description: '',
        })),
        links: { self: `${request.protocol}://${request.host}/v3/projects` },
      };
    },
  );
}
