import { assetActions } from '../../domain/asset-states.js';
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { Principal } from '../../domain/principal.js';
import { allows } from '../../domain/state-machine.js';
import { isoTime } from '../../domain/time.js';
import {
  expiredJobError,
  jobAsOf,
  settled,
  transferActionParty,
  type TransferActionName,
  type TransferJob,
  type TransferJobState,
  type TransferType,
} from '../../domain/transfer.js';
import type { Clock } from '../../ports/clock.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import type { TransferJobQuery } from '../../ports/transfer-job-store.js';
import { refuseIfFedReplica, type AssetService } from '../asset-service.js';
import { updateAssetIn } from '../conditional-update.js';
import { projectOfRegion, type ProjectDirectory } from '../region-projects.js';
import { acceptJob, type TransferQuota } from './transfer-accept.js';
import { refuseIfInTransfer } from './pending-transfer.js';

/** TransferAsset, as the service takes it. */
export interface TransferRequest {
  transferType: TransferType;
  assetIds: string[];
  destProjectId: string;
  memo?: string;
  /** Operator-only in MetaStudio: `true` from an account is refused (403). */
  autoAccept?: boolean;
  autoActive?: boolean;
  /** TRANSFER_BACK: the accepted job whose assets go back. */
  transferJobId?: string;
}

export type ListJobsInput = Omit<TransferJobQuery, 'projectId' | 'now'>;

/** The state each action ends a job in. */
const endStateOf: Record<TransferActionName, Exclude<TransferJobState, 'PROCESSING' | 'FAIL'>> = {
  cancel: 'CANCEL',
  reject: 'REJECT',
  accept: 'ACCEPT',
  accept_confirm: 'ACCEPT',
};

/**
 * Transfer jobs between accounts of one region (docs/api-behaviour.md, "Transfers"): the
 * sender offers assets to another account's project; the receiver accepts (the assets move
 * in one transaction) or rejects; the sender may cancel; an unanswered job expires.
 */
export class TransferService {
  constructor(
    private readonly deps: {
      store: MetadataStore;
      assets: AssetService;
      projects: ProjectDirectory;
      /** This region's name: transfers stay inside it. */
      region: string;
      clock: Clock;
      /** Seconds a job waits for an answer before it fails as expired. */
      ttlSeconds: number;
      /** Quotas of the receiving project, checked inside the accepting transaction (none: no limit). */
      quota?: TransferQuota;
    },
  ) {}

  /** TransferAsset: records a PROCESSING job for the receiver to answer; returns its id. */
  async create(principal: Principal, req: TransferRequest): Promise<string> {
    if (req.autoAccept === true || req.autoActive === true) {
      throw new AppError('operatorOnly', 'auto_accept and auto_active are the operator\'s; the receiver accepts the job itself');
    }
    const now = this.deps.clock.now();
    const assetIds = [...new Set(req.assetIds)];
    let backOfJobId: string | null = null;
    if (req.transferType === 'TRANSFER_BACK') {
      backOfJobId = (await this.returnedJob(principal, req, assetIds, isoTime(now))).jobId;
    } else if (req.transferJobId !== undefined) {
      throw new AppError('invalidParameter', 'transfer_job_id is only for TRANSFER_BACK');
    }
    await this.checkDestination(principal, req.destProjectId);
    const job: TransferJob = {
      jobId: newId(),
      transferType: req.transferType,
      srcProjectId: principal.projectId,
      destProjectId: req.destProjectId,
      backOfJobId,
      assets: [],
      state: 'PROCESSING',
      memo: req.memo ?? null,
      reason: null,
      startTime: isoTime(now),
      finishTime: null,
      expireTime: isoTime(new Date(now.getTime() + this.deps.ttlSeconds * 1000)),
      errorCode: null,
      errorMsg: null,
    };
    await this.deps.store.transaction(async (tx) => {
      for (const assetId of assetIds) {
        const asset = await this.deps.assets.get(principal, assetId, tx);
        refuseIfFedReplica(principal, asset);
        if (!allows(assetActions.transfer, asset.assetState)) {
          throw new AppError('assetStateConflict', `asset ${assetId} is ${asset.assetState}; only ACTIVED or UNACTIVED assets are transferred`);
        }
        // A write that changes nothing holds the asset's row until the job is recorded: a
        // concurrent delete or transfer of it waits, then sees this job.
        await updateAssetIn(tx, asset, { updatedAt: asset.updatedAt }, assetActions.transfer.from);
        job.assets.push({ assetId, assetName: asset.assetName, assetType: asset.assetType });
      }
      await refuseIfInTransfer(tx, principal.projectId, assetIds, now);
      await tx.transfers.insertJob(job);
    });
    return job.jobId;
  }

  /** TRANSFER_BACK: only the receiver of an accepted TRANSFER_OUT job, for that job's assets, to the project they came from. */
  private async returnedJob(principal: Principal, req: TransferRequest, assetIds: string[], now: string): Promise<TransferJob> {
    if (req.transferJobId === undefined) throw new AppError('invalidParameter', 'TRANSFER_BACK needs transfer_job_id: the accepted job whose assets go back');
    const job = jobAsOf(await this.partyJob(principal, req.transferJobId), now);
    if (job.destProjectId !== principal.projectId) {
      throw new AppError('transferActionForbidden', `only the receiver of job ${job.jobId} may transfer its assets back`);
    }
    if (job.transferType !== 'TRANSFER_OUT') throw new AppError('invalidParameter', `job ${job.jobId} is itself a TRANSFER_BACK`);
    if (job.state !== 'ACCEPT') throw new AppError('transferJobStateConflict', `job ${job.jobId} is ${job.state}; only an accepted job's assets go back`);
    const stray = assetIds.find((id) => !job.assets.some((a) => a.assetId === id));
    if (stray) throw new AppError('invalidParameter', `asset ${stray} did not come with job ${job.jobId}`);
    if (req.destProjectId !== job.srcProjectId) {
      throw new AppError('invalidParameter', `dest_project_id must be ${job.srcProjectId}, the project job ${job.jobId} came from`);
    }
    return job;
  }

  /** The destination is a project of this region, of another account. */
  private async checkDestination(principal: Principal, destProjectId: string): Promise<void> {
    const dest = await projectOfRegion(this.deps.projects, this.deps.region, destProjectId);
    if (!dest) throw new AppError('invalidParameter', `dest_project_id ${destProjectId} is not a project of region ${this.deps.region}`);
    if (dest.accountId === principal.accountId) {
      throw new AppError('invalidParameter', `dest_project_id ${destProjectId} is the caller's own project; transfers go to another account`);
    }
  }

  /** A job the caller's project sends or receives (others: 404, as if it did not exist). */
  private async partyJob(principal: Principal, jobId: string): Promise<TransferJob> {
    const job = await this.deps.store.transfers.getJob(jobId);
    if (!job || (job.srcProjectId !== principal.projectId && job.destProjectId !== principal.projectId)) {
      throw new AppError('transferJobNotFound', jobId);
    }
    return job;
  }

  /** ShowTransferAssetJob: as of now (an unanswered job past its expiry is FAIL). */
  async show(principal: Principal, jobId: string): Promise<TransferJob> {
    return jobAsOf(await this.partyJob(principal, jobId), isoTime(this.deps.clock.now()));
  }

  /** ListTransferAssetJobs: the caller's project's jobs, newest first, states as of now. */
  async list(principal: Principal, input: ListJobsInput): Promise<{ count: number; jobs: TransferJob[] }> {
    const now = isoTime(this.deps.clock.now());
    const { count, jobs } = await this.deps.store.transfers.listJobs({ ...input, projectId: principal.projectId, now });
    return { count, jobs: jobs.map((j) => jobAsOf(j, now)) };
  }

  /**
   * ExecuteTransferAssetAction. `cancel` is the sender's; `accept`, `accept_confirm` (the same
   * here: there is no billing step) and `reject` are the receiver's. Asking again for the state
   * a job already ended in is a success; any other ended job answers 409.
   */
  async act(principal: Principal, jobId: string, action: TransferActionName, reason?: string): Promise<void> {
    const job = await this.partyJob(principal, jobId);
    const side = job.srcProjectId === principal.projectId ? 'sender' : 'receiver';
    const needed = transferActionParty[action];
    if (side !== needed) throw new AppError('transferActionForbidden', `only the ${needed} of job ${jobId} may ${action.replace('_', ' ')} it`);
    const now = this.deps.clock.now();
    const target = endStateOf[action];
    if (settled(jobAsOf(job, isoTime(now)), target)) return;
    if (target === 'ACCEPT') {
      await acceptJob(this.deps.store, { job, receiver: principal, now, quota: this.deps.quota });
      return;
    }
    const end = { state: target, finishTime: isoTime(now), ...(target === 'REJECT' ? { reason: reason ?? null } : {}) };
    if (await this.deps.store.transfers.endJob(jobId, end, isoTime(now))) return;
    // Another answer came first: a success if it was the same one, else 409.
    if (!settled(jobAsOf(await this.partyJob(principal, jobId), isoTime(now)), target)) {
      throw new AppError('transferJobStateConflict', `job ${jobId} changed meanwhile; try again`);
    }
  }

  /** Writes FAIL on every unanswered job past its expiry (the background sweep; reads already show it). */
  expireDue(): Promise<number> {
    return this.deps.store.transfers.expireDue(isoTime(this.deps.clock.now()), expiredJobError);
  }
}
