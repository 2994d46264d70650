import type { Project } from '../domain/identity.js';
import type { IdentityStore } from '../ports/identity-store.js';

/** Where a service looks up projects: the deployment's identity (the identity service answers it). */
export type ProjectDirectory = Pick<IdentityStore, 'getProject'>;

/** The project `projectId` if it is a project of `region`; shares and transfers stay inside one region. */
export async function projectOfRegion(projects: ProjectDirectory, region: string, projectId: string): Promise<Project | undefined> {
  const project = await projects.getProject(projectId);
  return project?.region === region ? project : undefined;
}
