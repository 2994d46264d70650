import { AppError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { defaultShareExpiry, shareOf, type SharedConfig, type SharedConfigInput } from '../domain/sharing.js';
import { secondsTime } from '../domain/time.js';
import type { Clock } from '../ports/clock.js';
import { projectOfRegion, type ProjectDirectory } from './region-projects.js';

const privateConfig: SharedConfig = { shared_type: 'PRIVATE' };

/**
 * The rules of `shared_config` (docs/api-behaviour.md, "Sharing"): what an account may set,
 * completed with MetaStudio's defaults, before it is stored.
 */
export class ShareRules {
  constructor(private readonly deps: { projects: ProjectDirectory; region: string; clock: Clock }) {}

  /**
   * The config to store for what a caller sent: PUBLIC is refused (403, the operator's), a
   * SHARED config needs projects of this region other than the owner's and an expiry in the
   * future (default: today + 30 days, 23:59:59 UTC).
   */
  async normalize(owner: Principal, input: SharedConfigInput): Promise<SharedConfig> {
    const projectIds = [...new Set(input.allowed_project_ids ?? [])];
    const type = input.shared_type ?? (projectIds.length > 0 ? 'SHARED' : 'PRIVATE');
    if (type === 'PUBLIC') throw new AppError('operatorOnly', 'shared_type PUBLIC: only the operator publishes assets to every project');
    if (type === 'PRIVATE') {
      if (projectIds.length > 0) throw new AppError('invalidParameter', 'shared_config: allowed_project_ids needs shared_type SHARED');
      return privateConfig;
    }
    if (projectIds.length === 0) throw new AppError('invalidParameter', 'shared_config: shared_type SHARED needs allowed_project_ids');
    for (const id of projectIds) {
      if (id === owner.projectId) throw new AppError('invalidParameter', `shared_config: ${id} is the asset's own project`);
      if (!(await projectOfRegion(this.deps.projects, this.deps.region, id))) {
        throw new AppError('invalidParameter', `shared_config: ${id} is not a project of region ${this.deps.region}`);
      }
    }
    const now = this.deps.clock.now();
    const expiresAt = input.expire_time === undefined ? defaultShareExpiry(now) : new Date(input.expire_time);
    if (!(expiresAt > now)) throw new AppError('invalidParameter', `shared_config: expire_time ${input.expire_time} is not in the future`);
    return { shared_type: 'SHARED', expire_time: secondsTime(expiresAt), allowed_project_ids: projectIds };
  }

  /**
   * What UNSHARE leaves of `current`: without `projectIds`, PRIVATE; with them, the same share
   * without those projects (PRIVATE when none is left).
   */
  static without(current: unknown, projectIds?: readonly string[]): SharedConfig {
    const share = shareOf(current);
    const left = projectIds && share ? share.projectIds.filter((id) => !projectIds.includes(id)) : [];
    return share && left.length > 0 ? { shared_type: 'SHARED', expire_time: secondsTime(share.expiresAt), allowed_project_ids: left } : privateConfig;
  }
}
