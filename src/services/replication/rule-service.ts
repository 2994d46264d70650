import { assetTypes, type AssetType } from '../../domain/asset.js';
import { AppError } from '../../domain/errors.js';
import type { Project, RegionRecord } from '../../domain/identity.js';
import { newId } from '../../domain/ids.js';
import type { Principal } from '../../domain/principal.js';
import type { ReplicationRule, RuleFilter, RuleProgress } from '../../domain/replication-rule.js';
import { isoTime } from '../../domain/time.js';
import type { Clock } from '../../ports/clock.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { releaseMarker } from '../../ports/rule-store.js';

/** What a rule answers: the rule, its replicas' counts and its lag. */
export type RuleView = ReplicationRule & { progress: RuleProgress };

export interface RuleFilterInput {
  assetTypes?: string[];
  tags?: string[];
  namePrefix?: string;
}

export interface CreateRuleInput {
  ruleName: string;
  targetRegion: string;
  targetProjectId?: string;
  filter?: RuleFilterInput;
  replicateUpdates?: boolean;
  replicateDeletes?: boolean;
  backfill?: boolean;
  enabled?: boolean;
}

export type UpdateRuleInput = Partial<Pick<CreateRuleInput, 'ruleName' | 'filter' | 'replicateUpdates' | 'replicateDeletes' | 'enabled'>>;

/** The deployment's regions and projects, as the identity service answers them. */
export interface RuleDirectory {
  listRegions(): Promise<RegionRecord[]>;
  getProject(id: string): Promise<Project | undefined>;
  accountProjects(accountId: string): Promise<Project[]>;
}

/** A filter as stored: 400 `ruleFilterInvalid` naming what is wrong. */
export function normalizeFilter(input: RuleFilterInput | undefined): RuleFilter {
  const types = input?.assetTypes ?? [];
  const unknown = types.find((t) => !(assetTypes as readonly string[]).includes(t));
  if (unknown !== undefined) throw new AppError('ruleFilterInvalid', `asset_types: unknown asset type "${unknown}"`);
  if (new Set(types).size !== types.length) throw new AppError('ruleFilterInvalid', 'asset_types: a type is repeated');
  const tags = input?.tags ?? [];
  if (tags.some((t) => t.trim() === '')) throw new AppError('ruleFilterInvalid', 'tags: a tag is empty');
  if (new Set(tags).size !== tags.length) throw new AppError('ruleFilterInvalid', 'tags: a tag is repeated');
  const prefix = input?.namePrefix;
  if (prefix !== undefined && prefix === '') throw new AppError('ruleFilterInvalid', 'name_prefix: empty (leave it out to match every name)');
  return { assetTypes: types as AssetType[], tags, namePrefix: prefix ?? null };
}

/**
 * Replication rules of a project (region A): create, read, change, delete, backfill. Every
 * write that region B must hear of (a rule disabled or deleted) queues a delivery in the
 * outbox in the same transaction; the delivery loop carries it.
 */
export class RuleService {
  constructor(
    private readonly deps: {
      store: MetadataStore;
      directory: RuleDirectory;
      clock: Clock;
      region: string;
      /** The regions this one can reach (a rule's target must be one). */
      peers: Readonly<Record<string, string>>;
      /** Called once deliveries were queued (wakes this instance's delivery loop). */
      onQueued?: () => void;
    },
  ) {}

  private now(): string {
    return isoTime(this.deps.clock.now());
  }

  /** The project in `targetRegion` a rule of this principal sends to: 400/403 when it may not. */
  private async target(principal: Principal, targetRegion: string, targetProjectId: string | undefined): Promise<string> {
    const regions = await this.deps.directory.listRegions();
    if (targetRegion === this.deps.region) throw new AppError('ruleTargetRegionInvalid', `${targetRegion} is this region`);
    if (!regions.some((r) => r.name === targetRegion)) throw new AppError('ruleTargetRegionInvalid', `no region ${targetRegion} in this deployment`);
    if (!(targetRegion in this.deps.peers)) throw new AppError('ruleTargetRegionInvalid', `region ${targetRegion} is not a peer of ${this.deps.region}`);
    if (targetProjectId === undefined) {
      const own = (await this.deps.directory.accountProjects(principal.accountId)).find((p) => p.region === targetRegion);
      if (!own) throw new AppError('ruleTargetRegionInvalid', `the account has no project in ${targetRegion}`);
      return own.id;
    }
    const project = await this.deps.directory.getProject(targetProjectId);
    if (!project) throw new AppError('ruleTargetProjectInvalid', `no project ${targetProjectId}`);
    if (project.accountId !== principal.accountId) throw new AppError('ruleTargetProjectForbidden', `project ${targetProjectId}`);
    if (project.region !== targetRegion) throw new AppError('ruleTargetProjectInvalid', `project ${targetProjectId} is in ${project.region}, not ${targetRegion}`);
    return project.id;
  }

  async create(principal: Principal, input: CreateRuleInput): Promise<string> {
    const filter = normalizeFilter(input.filter);
    const targetProjectId = await this.target(principal, input.targetRegion, input.targetProjectId);
    const now = this.now();
    const rule: ReplicationRule = {
      ruleId: newId(),
      projectId: principal.projectId,
      accountId: principal.accountId,
      ruleName: input.ruleName,
      targetRegion: input.targetRegion,
      targetProjectId,
      filter,
      replicateUpdates: input.replicateUpdates ?? true,
      replicateDeletes: input.replicateDeletes ?? false,
      enabled: input.enabled ?? true,
      backfillState: null,
      backfillTotal: 0,
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.store.rules.insertRule(rule);
    if (input.backfill && rule.enabled) await this.startBackfill(rule);
    return rule.ruleId;
  }

  private async rule(principal: Principal, ruleId: string, store: MetadataStore = this.deps.store): Promise<ReplicationRule> {
    const rule = await store.rules.getRule(ruleId);
    if (!rule || rule.projectId !== principal.projectId) throw new AppError('ruleNotFound', ruleId);
    return rule;
  }

  async show(principal: Principal, ruleId: string): Promise<RuleView> {
    const rule = await this.rule(principal, ruleId);
    const progress = await this.deps.store.rules.progress([rule.ruleId], this.now());
    return { ...rule, progress: progress.get(rule.ruleId) ?? emptyProgress() };
  }

  async list(principal: Principal): Promise<RuleView[]> {
    const rules = await this.deps.store.rules.listRules(principal.projectId);
    const progress = await this.deps.store.rules.progress(rules.map((r) => r.ruleId), this.now());
    return rules.map((r) => ({ ...r, progress: progress.get(r.ruleId) ?? emptyProgress() }));
  }

  async update(principal: Principal, ruleId: string, input: UpdateRuleInput): Promise<RuleView> {
    const filter = input.filter === undefined ? undefined : normalizeFilter(input.filter);
    await this.deps.store.transaction(async (tx) => {
      const rule = await this.rule(principal, ruleId, tx);
      const now = this.now();
      await tx.rules.updateRule(ruleId, {
        ruleName: input.ruleName,
        filter,
        replicateUpdates: input.replicateUpdates,
        replicateDeletes: input.replicateDeletes,
        enabled: input.enabled,
        updatedAt: now,
      });
      // Disabled: region B is told, and its replicas become ordinary assets.
      if (rule.enabled && input.enabled === false) await this.queueRelease(tx, rule, now);
    });
    if (input.enabled === false) this.deps.onQueued?.();
    return this.show(principal, ruleId);
  }

  /** DeleteRule: gone for the API at once; region B is told (its replicas become ordinary), then the row goes. */
  async delete(principal: Principal, ruleId: string): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      const rule = await this.rule(principal, ruleId, tx);
      const now = this.now();
      await tx.rules.updateRule(ruleId, { enabled: false, deletedAt: now, updatedAt: now });
      await this.queueRelease(tx, rule, now);
    });
    this.deps.onQueued?.();
  }

  /** `rules backfill ID`: queues every existing asset the rule selects. */
  async backfill(principal: Principal, ruleId: string): Promise<RuleView> {
    const rule = await this.rule(principal, ruleId);
    if (!rule.enabled) throw new AppError('assetStateConflict', `rule ${ruleId} is disabled: enable it first`);
    await this.startBackfill(rule);
    return this.show(principal, ruleId);
  }

  private async startBackfill(rule: ReplicationRule): Promise<void> {
    const now = this.now();
    await this.deps.store.rules.updateRule(rule.ruleId, { backfillState: 'RUNNING', backfillTotal: 0, updatedAt: now });
    const total = await this.deps.store.rules.enqueueExisting(rule, now);
    await this.deps.store.rules.updateRule(rule.ruleId, { backfillState: 'DONE', backfillTotal: total, updatedAt: now });
    this.deps.onQueued?.();
  }

  private async queueRelease(tx: MetadataStore, rule: ReplicationRule, now: string): Promise<void> {
    await tx.rules.enqueue([{ ruleId: rule.ruleId, projectId: rule.projectId, assetId: releaseMarker, version: 1, changedAt: now }], now);
  }
}

const emptyProgress = (): RuleProgress => ({ counts: { pending: 0, copying: 0, completed: 0, failed: 0 }, lagSeconds: 0 });
