import { copyTaskStates, type CopyTaskState } from './copy-task.js';
import { statesWhere, type Transition } from './state-machine.js';

/** What each copy-task state means for workers and the sweeper. */
interface CopyTaskStateRule {
  /** A worker may claim it, renew its lease and record progress (at its epoch). */
  running: boolean;
  /** The run ended; a new post of the replication info restarts it. */
  end: boolean;
  /** The run may have left staged blobs and files that the sweeper removes. */
  leavesLeftovers: boolean;
  /**
   * When the download capabilities of the stored manifest are removed: `now` as the task
   * enters the state, `afterWindow` by the sweeper once the copy window ended, `never` while
   * a worker needs them.
   */
  dropsCapabilities: 'never' | 'now' | 'afterWindow';
}

export const copyTaskStateRules: Record<CopyTaskState, CopyTaskStateRule> = {
  CREATING: { running: true, end: false, leavesLeftovers: false, dropsCapabilities: 'never' },
  ACTIVED: { running: false, end: true, leavesLeftovers: false, dropsCapabilities: 'now' },
  // Kept until the window ends, as the source keeps honouring them until then.
  FAILED: { running: false, end: true, leavesLeftovers: true, dropsCapabilities: 'afterWindow' },
  CANCELLED: { running: false, end: true, leavesLeftovers: true, dropsCapabilities: 'now' },
};

export const runningCopyTaskStates = statesWhere(copyTaskStates, copyTaskStateRules, (r) => r.running);
export const endCopyTaskStates = statesWhere(copyTaskStates, copyTaskStateRules, (r) => r.end);
/** Ended runs whose leftovers the sweeper removes. */
export const sweptCopyTaskStates = statesWhere(copyTaskStates, copyTaskStateRules, (r) => r.leavesLeftovers);

/** Ended runs whose capabilities go as they end. */
export const capabilitiesDroppedAtEnd = statesWhere(copyTaskStates, copyTaskStateRules, (r) => r.dropsCapabilities === 'now');
/** Ended runs whose capabilities the sweeper removes once the copy window (the task's deadline) ended. */
export const capabilitiesDroppedAfterWindow = statesWhere(copyTaskStates, copyTaskStateRules, (r) => r.dropsCapabilities === 'afterWindow');

/** Every way a copy task changes state. */
export const copyTaskActions = {
  /** All files verified: in the same transaction as the asset's activation. */
  activate: { from: runningCopyTaskStates, to: ['ACTIVED'] },
  /** A permanent fault, or a transient one that outlived the copy window. */
  fail: { from: runningCopyTaskStates, to: ['FAILED'] },
  /** A delete of the copy's asset, or the operator (`assetbridge copies cancel`). */
  cancel: { from: runningCopyTaskStates, to: ['CANCELLED'] },
  /**
   * The operator runs an ended copy again with the same replication info
   * (`assetbridge copies retry`): only before its copy window ends, once its leftovers are gone.
   */
  retry: { from: sweptCopyTaskStates, to: ['CREATING'] },
  /**
   * The replication info posted again (a failed copy, or a force-deleted asset copied anew).
   * Allowed from every state: the new run's epoch fences off any worker still on the old one.
   */
  restart: { from: copyTaskStates, to: ['CREATING'] },
} as const satisfies Record<string, Transition<CopyTaskState>>;
