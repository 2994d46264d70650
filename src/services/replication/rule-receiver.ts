import type { Logger } from 'pino';
import type { Asset, AssetFile } from '../../domain/asset.js';
import { copiedPatch } from '../../domain/asset-fields.js';
import { assetStateRules } from '../../domain/asset-states.js';
import { AppError, isAppError } from '../../domain/errors.js';
import type { Project } from '../../domain/identity.js';
import type { Principal } from '../../domain/principal.js';
import { replacedFileReason, type ReplicaOrigin } from '../../domain/replication-rule.js';
import { isoTime } from '../../domain/time.js';
import type { Clock } from '../../ports/clock.js';
import type { AssetPatch, MetadataStore } from '../../ports/metadata-store.js';
import type { AssetService } from '../asset-service.js';
import type { KeyRing } from './key-ring.js';
import type { ReplicationManifest } from './manifest.js';
import { onceMoreIfRaced, type ReplicationService } from './replication-service.js';
import { parsePayload, type DeliveryAnswer, type DeliveryBody, type DeliveryPayload } from './rule-delivery.js';
import { openDelivery } from './seal.js';

/** Refusals of B that are the replica's fate, not the delivery's: answered as FAILED with their code. */
const failingKinds = new Set<AppError['kind']>(['quotaAssetsExceeded', 'quotaFilesExceeded', 'quotaPendingUploadBytesExceeded', 'assetNameExists', 'replicationFileTooLarge']);

const liveStates = ['ACTIVED', 'UNACTIVED'] as const;
const isLive = (s: string): s is (typeof liveStates)[number] => (liveStates as readonly string[]).includes(s);

/** The same files (ids and content) in the replica as in the manifest. */
const sameFiles = (held: { fileId: string; sha256Hex: string | null }[], m: ReplicationManifest): boolean =>
  held.length === m.files.length && m.files.every((f) => held.some((h) => h.fileId === f.id && h.sha256Hex === f.sha256));

/**
 * Region B's side of replication rules: opens a delivery (only a rule delivery's seal opens
 * here), checks who it is from and for, and applies it to the replica in the same account's
 * project: creates it (copied by the verified engine), applies a newer change, deletes or
 * releases. Answers where the replica stands.
 */
export class RuleReceiver {
  constructor(
    private readonly deps: {
      store: MetadataStore;
      assets: AssetService;
      replication: ReplicationService;
      projects: { getProject(id: string): Promise<Project | undefined> };
      keyRing: KeyRing | undefined;
      clock: Clock;
      logger: Logger;
      region: string;
      peers: Readonly<Record<string, string>>;
      /** A copy was recorded (wakes this instance's copy worker). */
      onCopyQueued?: () => void;
    },
  ) {}

  async receive(body: DeliveryBody, requestId: string): Promise<DeliveryAnswer> {
    if (!this.deps.keyRing) throw new AppError('replicationNotConfigured', 'no replication key ring is configured');
    const context = { targetRegion: body.target_region, ruleId: body.rule_id, assetId: body.asset_id, version: body.version };
    const opened = openDelivery(this.deps.keyRing, context, body);
    if (!opened.ok) throw new AppError('ruleDeliveryInvalid', 'not a rule delivery sealed for this rule, asset and version');
    const payload = parsePayload(opened.plaintext.toString('utf8'));
    if (!payload) throw new AppError('ruleDeliveryInvalid', 'the sealed content has an unknown format');
    if (payload.exp < Math.floor(this.deps.clock.now().getTime() / 1000)) throw new AppError('ruleDeliveryInvalid', 'the delivery expired (it is sealed afresh at every attempt)');
    if (body.target_region !== this.deps.region) throw new AppError('ruleDeliveryRefused', `the delivery is for ${body.target_region}, not ${this.deps.region}`);
    const source = payload.src.region;
    if (source !== body.source_region || source === this.deps.region || !(source in this.deps.peers)) {
      throw new AppError('ruleDeliveryRefused', `region ${source} is not a peer of ${this.deps.region}`);
    }
    if (payload.kind !== 'release' && payload.src.asset !== body.asset_id) throw new AppError('ruleDeliveryInvalid', 'the sealed asset is not the one named');
    const project = await this.deps.projects.getProject(payload.target_project);
    if (!project || project.region !== this.deps.region || project.accountId !== payload.src.account) {
      throw new AppError('ruleDeliveryRefused', `project ${payload.target_project} is no project of the source account in ${this.deps.region}`);
    }
    const principal: Principal = { accountId: project.accountId, projectId: project.id, ruleDelivery: true };
    const now = isoTime(this.deps.clock.now());
    if (payload.kind === 'release') {
      const released = await this.deps.store.rules.releaseReplicas(project.id, body.rule_id, now);
      this.deps.logger.info({ rule_id: body.rule_id, project_id: project.id, replicas: released }, 'replication rule ended: its replicas are ordinary assets');
      return { state: 'RELEASED', version: body.version };
    }
    try {
      return payload.kind === 'delete'
        ? await this.applyDelete(principal, payload, body, now)
        : await this.applyUpsert(principal, payload, body, now, requestId);
    } catch (err) {
      if (isAppError(err) && failingKinds.has(err.kind)) return { state: 'FAILED', version: 0, reason: `${err.code}: ${err.message}` };
      throw err;
    }
  }

  private origin(payload: DeliveryPayload, ruleId: string, version: number): ReplicaOrigin {
    return { region: payload.src.region, projectId: payload.src.project, assetId: payload.src.asset, ruleId, version };
  }

  /** Whether `asset` is this origin's replica (or a manual copy of it, adopted): else a conflict. */
  private async isReplicaOf(tx: MetadataStore, asset: Asset, payload: DeliveryPayload): Promise<boolean> {
    const o = asset.origin;
    if (o) return o.region === payload.src.region && o.projectId === payload.src.project && o.assetId === payload.src.asset;
    const task = await tx.copyTasks.getTask(asset.projectId, asset.assetId);
    return task !== undefined && task.sourceRegion === payload.src.region && task.sourceProjectId === payload.src.project && task.sourceAssetId === payload.src.asset;
  }

  /** Where the replica stands, as A records it. */
  private async answer(tx: MetadataStore, asset: Asset, appliedAt?: string): Promise<DeliveryAnswer> {
    const version = asset.origin?.version ?? 0;
    const task = await tx.copyTasks.getTask(asset.projectId, asset.assetId);
    if (asset.assetState === 'CREATING' || task?.state === 'CREATING') return this.copying(tx, version);
    if (asset.assetState === 'FAILED' || task?.state === 'FAILED') return { state: 'FAILED', version, reason: task?.failureCode ?? asset.reason ?? 'failed' };
    return { state: 'COMPLETED', version, completed_time: appliedAt ?? task?.finishedAt ?? asset.updatedAt };
  }

  /** COPYING, with how soon to ask again: 10 ms per copy waiting in this region, from 250 ms to 5 s. */
  private async copying(tx: MetadataStore, version: number): Promise<DeliveryAnswer> {
    const queued = (await tx.copyTasks.countByState()).CREATING ?? 0;
    return { state: 'COPYING', version, retry_after_ms: Math.min(5_000, Math.max(250, queued * 10)) };
  }

  private async applyUpsert(principal: Principal, payload: DeliveryPayload, body: DeliveryBody, now: string, requestId: string): Promise<DeliveryAnswer> {
    const m = payload.manifest as ReplicationManifest;
    const held = await this.deps.store.getAsset(principal.projectId, body.asset_id);
    // Restored in A after a delete that reached B: restored here first (its own transaction).
    if (held?.assetState === 'DELETING' && held.origin && (await this.isReplicaOf(this.deps.store, held, payload)) && held.origin.version < body.version) {
      await this.deps.assets.restore(principal, held.assetId);
    }
    const result = await onceMoreIfRaced(() => this.deps.store.transaction((tx) => this.upsertIn(tx, principal, payload, m, body, now, requestId)));
    if (result.copying) this.deps.onCopyQueued?.();
    return result.answer;
  }

  private async upsertIn(
    tx: MetadataStore,
    principal: Principal,
    payload: DeliveryPayload,
    m: ReplicationManifest,
    body: DeliveryBody,
    now: string,
    requestId: string,
  ): Promise<{ answer: DeliveryAnswer; copying: boolean }> {
    const origin = this.origin(payload, body.rule_id, body.version);
    const existing = await tx.getAsset(principal.projectId, body.asset_id);
    if (!existing || !assetStateRules[existing.assetState].visible) {
      const made = await this.deps.replication.createOrReuse(tx, principal, m, requestId);
      await tx.updateAsset(principal.projectId, made.assetId, { origin, updatedAt: now });
      return { answer: await this.copying(tx, body.version), copying: true };
    }
    if (!(await this.isReplicaOf(tx, existing, payload))) {
      return { answer: { state: 'FAILED', version: 0, reason: 'conflict' }, copying: false };
    }
    if (existing.origin && existing.origin.version >= body.version) {
      // Older than what is held (deliveries may cross): nothing changes but the rule that feeds it.
      const fix: AssetPatch = { updatedAt: now };
      if (existing.origin.ruleId !== body.rule_id) fix.origin = { ...existing.origin, ruleId: body.rule_id };
      // A toggle that came while the first copy ran is taken once the replica is ACTIVED.
      if (isLive(existing.assetState) && payload.state && isLive(payload.state) && payload.state !== existing.assetState) fix.assetState = payload.state;
      if (fix.origin || fix.assetState) await tx.updateAsset(principal.projectId, existing.assetId, fix, [existing.assetState]);
      return { answer: await this.answer(tx, existing), copying: false };
    }
    const patch: AssetPatch = { ...copiedPatch(m.meta), origin, updatedAt: now };
    const files = await tx.listFiles(principal.projectId, [existing.assetId]);
    const changedFiles = !sameFiles(files.filter((f) => f.reason !== replacedFileReason), m);
    if (existing.assetState === 'FAILED' || (existing.assetState === 'CREATING' && changedFiles)) {
      // Nothing of it is visible yet: the copy runs again with the asset's files as they are in A now.
      const run = this.deps.replication.newTask(principal, m, new Date(now), requestId);
      if (await tx.copyTasks.getTask(principal.projectId, existing.assetId)) await tx.copyTasks.restartTask(run);
      else await tx.copyTasks.insertTask(run);
      await tx.updateAsset(principal.projectId, existing.assetId, { ...patch, assetState: 'CREATING', reason: null, failType: null }, [existing.assetState]);
      await this.deps.replication.resetFiles(tx, principal, m, new Date(now));
      return { answer: await this.copying(tx, body.version), copying: true };
    }
    if (isLive(existing.assetState) && payload.state && isLive(payload.state)) patch.assetState = payload.state;
    await tx.updateAsset(principal.projectId, existing.assetId, patch, [existing.assetState]);
    if (changedFiles && isLive(existing.assetState)) {
      await this.startFileUpdate(tx, principal, m, files, now, requestId);
      return { answer: await this.copying(tx, body.version), copying: true };
    }
    const after = (await tx.getAsset(principal.projectId, existing.assetId)) as Asset;
    return { answer: await this.answer(tx, after, now), copying: false };
  }

  /**
   * Files changed in A on a live replica: the new files are copied into it (CREATING, not
   * downloadable) while the files they replace stay as they are, marked `replaced`; the copy's
   * activation switches them in one transaction (copy-worker.ts).
   */
  private async startFileUpdate(tx: MetadataStore, principal: Principal, m: ReplicationManifest, held: AssetFile[], now: string, requestId: string): Promise<void> {
    const kept = held.filter((h) => h.state === 'CREATED' && m.files.some((f) => f.id === h.fileId && f.sha256 === h.sha256Hex));
    const incoming = m.files.filter((f) => !kept.some((k) => k.fileId === f.id));
    for (const h of held) {
      if (kept.includes(h)) continue;
      // A file of an earlier update that did not finish goes; a visible one waits for the switch.
      if (h.state === 'CREATED') await tx.updateFile(h.fileId, { reason: replacedFileReason, updatedAt: now });
      else await tx.deleteFile(h.fileId);
    }
    await this.deps.replication.insertCopyFiles(tx, principal, m, incoming, new Date(now));
    const run = this.deps.replication.newTask(principal, { ...m, files: incoming }, new Date(now), requestId);
    if (await tx.copyTasks.getTask(principal.projectId, m.src.asset)) await tx.copyTasks.restartTask(run);
    else await tx.copyTasks.insertTask(run);
  }

  private async applyDelete(principal: Principal, payload: DeliveryPayload, body: DeliveryBody, now: string): Promise<DeliveryAnswer> {
    const held = await this.deps.store.getAsset(principal.projectId, body.asset_id);
    if (!held || !assetStateRules[held.assetState].visible) return { state: 'COMPLETED', version: body.version, completed_time: now };
    if (!(await this.isReplicaOf(this.deps.store, held, payload))) return { state: 'FAILED', version: 0, reason: 'conflict' };
    if (held.origin && held.origin.version >= body.version) return this.answer(this.deps.store, held);
    const forGood = payload.state === 'DELETED';
    if (forGood || held.assetState !== 'DELETING') await this.deps.assets.delete(principal, held.assetId, forGood);
    if (!forGood) await this.deps.store.updateAsset(principal.projectId, held.assetId, { origin: this.origin(payload, body.rule_id, body.version), updatedAt: now });
    this.deps.logger.info({ asset_id: held.assetId, rule_id: body.rule_id, to: forGood ? 'DELETED' : 'DELETING' }, 'replica deleted as its origin was');
    return { state: 'COMPLETED', version: body.version, completed_time: now };
  }
}
