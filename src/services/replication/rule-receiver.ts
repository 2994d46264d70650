import { setImmediate as nextTurn } from 'node:timers/promises';
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
import { maxRetryAfterMs, parsePayload, type DeliveryAnswer, type DeliveryBody, type DeliveryItemAnswer, type DeliveryPayload } from './rule-delivery.js';
import { openDelivery } from './seal.js';

/** Refusals of B that are the replica's fate, not the delivery's: answered as FAILED with their code. */
const failingKinds = new Set<AppError['kind']>(['quotaAssetsExceeded', 'quotaFilesExceeded', 'quotaPendingUploadBytesExceeded', 'assetNameExists', 'replicationFileTooLarge']);

const liveStates = ['ACTIVED', 'UNACTIVED'] as const;
const isLive = (s: string): s is (typeof liveStates)[number] => (liveStates as readonly string[]).includes(s);

/**
 * What the items of one request share: the count of copies waiting in this region (for
 * `retry_after_ms`) is read once per batch, not once per item.
 */
interface Batch {
  queued?: number;
}

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

  /**
   * A batch of deliveries, answered item by item in the same order: each item is opened and
   * checked on its own (its seal names its rule, asset and version), so an item that does not
   * open, is not for this region or not the source account's is refused alone, with the code
   * it would have had posted alone, and the other items are applied.
   */
  async receiveBatch(items: readonly DeliveryBody[], requestId: string): Promise<DeliveryItemAnswer[]> {
    const batch: Batch = {};
    const answers: DeliveryItemAnswer[] = [];
    for (const item of items) {
      try {
        answers.push({ status: 200, ...(await this.receive(item, requestId, batch)) });
      } catch (err) {
        if (isAppError(err)) {
          answers.push({ status: err.status, error_code: err.code, error_msg: err.message });
          continue;
        }
        this.deps.logger.error({ err, rule_id: item.rule_id, asset_id: item.asset_id }, 'rule delivery item failed');
        const internal = new AppError('internal');
        answers.push({ status: internal.status, error_code: internal.code, error_msg: internal.message });
      }
      // SQLite answers synchronously: a turn of the event loop between items lets the copies
      // (and other requests) go on while a batch is applied.
      await nextTurn();
    }
    return answers;
  }

  async receive(body: DeliveryBody, requestId: string, batch: Batch = {}): Promise<DeliveryAnswer> {
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
      if (payload.kind === 'status') return await this.applyStatus(principal, payload, body, now, batch);
      return payload.kind === 'delete'
        ? await this.applyDelete(principal, payload, body, now, batch)
        : await this.applyUpsert(principal, payload, body, now, requestId, batch);
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
  private async answer(tx: MetadataStore, asset: Asset, batch: Batch, appliedAt?: string): Promise<DeliveryAnswer> {
    const version = asset.origin?.version ?? 0;
    const task = await tx.copyTasks.getTask(asset.projectId, asset.assetId);
    if (asset.assetState === 'CREATING' || task?.state === 'CREATING') return this.copying(tx, version, batch);
    if (asset.assetState === 'FAILED' || task?.state === 'FAILED') return { state: 'FAILED', version, reason: task?.failureCode ?? asset.reason ?? 'failed' };
    return { state: 'COMPLETED', version, completed_time: appliedAt ?? task?.finishedAt ?? asset.updatedAt };
  }

  /**
   * COPYING, with how soon to ask again: 10 ms per copy waiting in this region, from 250 ms to
   * `maxRetryAfterMs` (a backfill of thousands of copies is asked about every few seconds, not
   * every 250 ms: each question costs both regions).
   */
  private async copying(tx: MetadataStore, version: number, batch: Batch): Promise<DeliveryAnswer> {
    batch.queued ??= (await tx.copyTasks.countByState()).CREATING ?? 0;
    return { state: 'COPYING', version, retry_after_ms: Math.min(maxRetryAfterMs, Math.max(250, batch.queued * 10)) };
  }

  /**
   * A question about a version this region took: where its replica stands. Nothing changes but
   * what an equal version changes (the rule that feeds it; a toggle held back while the first
   * copy ran). A version not held here (the replica went, or never came) answers UNKNOWN: region
   * A then delivers that version whole.
   */
  private async applyStatus(principal: Principal, payload: DeliveryPayload, body: DeliveryBody, now: string, batch: Batch): Promise<DeliveryAnswer> {
    const held = await this.deps.store.getAsset(principal.projectId, body.asset_id);
    const o = held?.origin;
    if (!held || !o || !assetStateRules[held.assetState].visible || o.version < body.version) return { state: 'UNKNOWN', version: o?.version ?? 0 };
    if (o.region !== payload.src.region || o.projectId !== payload.src.project || o.assetId !== payload.src.asset) return { state: 'FAILED', version: 0, reason: 'conflict' };
    const fix: AssetPatch = { updatedAt: now };
    if (o.ruleId !== body.rule_id) fix.origin = { ...o, ruleId: body.rule_id };
    if (isLive(held.assetState) && payload.state && isLive(payload.state) && payload.state !== held.assetState) fix.assetState = payload.state;
    if (fix.origin || fix.assetState) await this.deps.store.updateAsset(principal.projectId, held.assetId, fix, [held.assetState]);
    return this.answer(this.deps.store, held, batch);
  }

  private async applyUpsert(principal: Principal, payload: DeliveryPayload, body: DeliveryBody, now: string, requestId: string, batch: Batch): Promise<DeliveryAnswer> {
    const m = payload.manifest as ReplicationManifest;
    const held = await this.deps.store.getAsset(principal.projectId, body.asset_id);
    // Restored in A after a delete that reached B: restored here first (its own transaction).
    if (held?.assetState === 'DELETING' && held.origin && (await this.isReplicaOf(this.deps.store, held, payload)) && held.origin.version < body.version) {
      await this.deps.assets.restore(principal, held.assetId);
    }
    const result = await onceMoreIfRaced(() => this.deps.store.transaction((tx) => this.upsertIn(tx, principal, payload, m, body, now, requestId, batch)));
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
    batch: Batch,
  ): Promise<{ answer: DeliveryAnswer; copying: boolean }> {
    const origin = this.origin(payload, body.rule_id, body.version);
    const existing = await tx.getAsset(principal.projectId, body.asset_id);
    if (!existing || !assetStateRules[existing.assetState].visible) {
      const made = await this.deps.replication.createOrReuse(tx, principal, m, requestId);
      await tx.updateAsset(principal.projectId, made.assetId, { origin, updatedAt: now });
      return { answer: await this.copying(tx, body.version, batch), copying: true };
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
      return { answer: await this.answer(tx, existing, batch), copying: false };
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
      return { answer: await this.copying(tx, body.version, batch), copying: true };
    }
    if (isLive(existing.assetState) && payload.state && isLive(payload.state)) patch.assetState = payload.state;
    await tx.updateAsset(principal.projectId, existing.assetId, patch, [existing.assetState]);
    if (changedFiles && isLive(existing.assetState)) {
      await this.startFileUpdate(tx, principal, m, files, now, requestId);
      return { answer: await this.copying(tx, body.version, batch), copying: true };
    }
    const after = (await tx.getAsset(principal.projectId, existing.assetId)) as Asset;
    return { answer: await this.answer(tx, after, batch, now), copying: false };
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

  private async applyDelete(principal: Principal, payload: DeliveryPayload, body: DeliveryBody, now: string, batch: Batch): Promise<DeliveryAnswer> {
    const held = await this.deps.store.getAsset(principal.projectId, body.asset_id);
    if (!held || !assetStateRules[held.assetState].visible) return { state: 'COMPLETED', version: body.version, completed_time: now };
    if (!(await this.isReplicaOf(this.deps.store, held, payload))) return { state: 'FAILED', version: 0, reason: 'conflict' };
    if (held.origin && held.origin.version >= body.version) return this.answer(this.deps.store, held, batch);
    const forGood = payload.state === 'DELETED';
    if (forGood || held.assetState !== 'DELETING') await this.deps.assets.delete(principal, held.assetId, forGood);
    if (!forGood) await this.deps.store.updateAsset(principal.projectId, held.assetId, { origin: this.origin(payload, body.rule_id, body.version), updatedAt: now });
    this.deps.logger.info({ asset_id: held.assetId, rule_id: body.rule_id, to: forGood ? 'DELETED' : 'DELETING' }, 'replica deleted as its origin was');
    return { state: 'COMPLETED', version: body.version, completed_time: now };
  }
}
