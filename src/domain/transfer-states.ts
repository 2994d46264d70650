import { transferJobStates, type TransferJobState } from './transfer.js';
import { statesWhere, type Transition } from './state-machine.js';

/** What each transfer-job state means. */
interface TransferJobStateRule {
  /** Waiting for an answer: its assets cannot be deleted, transferred again or exported. */
  pending: boolean;
}

export const transferJobStateRules: Record<TransferJobState, TransferJobStateRule> = {
  PROCESSING: { pending: true },
  ACCEPT: { pending: false },
  REJECT: { pending: false },
  CANCEL: { pending: false },
  FAIL: { pending: false },
};

export const pendingTransferJobStates = statesWhere(transferJobStates, transferJobStateRules, (r) => r.pending);

/** Every way a job changes state; each one ends it, once. */
export const transferJobActions = {
  /** The receiver accepts (accept or accept_confirm): the assets move in the same transaction. */
  accept: { from: pendingTransferJobStates, to: ['ACCEPT'] },
  /** The receiver refuses, with an optional reason. */
  reject: { from: pendingTransferJobStates, to: ['REJECT'] },
  /** The sender withdraws it. */
  cancel: { from: pendingTransferJobStates, to: ['CANCEL'] },
  /** The accept found the assets could not move (a name or id taken in the destination, an asset changed). */
  fail: { from: pendingTransferJobStates, to: ['FAIL'] },
  /** Nobody answered before `expire_time`. */
  expire: { from: pendingTransferJobStates, to: ['FAIL'] },
} as const satisfies Record<string, Transition<TransferJobState>>;
