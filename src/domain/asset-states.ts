import { assetStates, type AssetState } from './asset.js';
import { statesWhere, type Transition } from './state-machine.js';

/** What each asset state allows (docs/api-behaviour.md, "States"). */
interface AssetStateRule {
  /** Metadata may be changed and files added or deleted. */
  editable: boolean;
  /** Confirmed files may be downloaded (download URLs are issued and honoured). */
  readable: boolean;
  /** Every API shows it (DELETED assets are gone: 404). */
  visible: boolean;
  /** Nothing leaves it. */
  end: boolean;
}

const live: AssetStateRule = { editable: true, readable: true, visible: true, end: false };
const held: AssetStateRule = { editable: false, readable: false, visible: true, end: false };

export const assetStateRules: Record<AssetState, AssetStateRule> = {
  CREATING: live,
  FAILED: live,
  UNACTIVED: live,
  ACTIVED: live,
  DELETING: held,
  BLOCK: held,
  WAITING_DELETE: held,
  DELETED: { editable: false, readable: false, visible: false, end: true },
};

export const editableAssetStates = statesWhere(assetStates, assetStateRules, (r) => r.editable);
export const readableAssetStates = statesWhere(assetStates, assetStateRules, (r) => r.readable);
export const visibleAssetStates = statesWhere(assetStates, assetStateRules, (r) => r.visible);
export const endAssetStates = statesWhere(assetStates, assetStateRules, (r) => r.end);

const notEnded = statesWhere(assetStates, assetStateRules, (r) => !r.end);
const recyclable: AssetState[] = [...editableAssetStates, 'BLOCK', 'WAITING_DELETE'];
const blockable: AssetState[] = [...editableAssetStates, 'WAITING_DELETE'];

/** Where ConfirmFileUpload of the MAIN file takes its asset: CREATED activates, FAILED fails, CANCELLED waits for another. */
export const assetStateAfterMainConfirm = { CREATED: 'ACTIVED', FAILED: 'FAILED', CANCELLED: 'CREATING' } as const satisfies Record<string, AssetState>;

/** Every way an asset changes state; a change not listed here is a bug. */
export const assetActions = {
  /** ConfirmFileUpload of the MAIN file, while the asset waits for it. */
  confirmMain: { from: ['CREATING', 'FAILED'], to: Object.values(assetStateAfterMainConfirm) },
  /** UpdateDigitalAsset `asset_state`, batch ACTIVE/UNACTIVE: only once the main file is confirmed. */
  toggleActive: { from: ['ACTIVED', 'UNACTIVED'], to: ['ACTIVED', 'UNACTIVED'] },
  /** DeleteAsset without mode: to the recycle bin, remembering the state to restore. */
  recycle: { from: recyclable, to: ['DELETING'] },
  /** RestoreAsset: back to the state before the delete (FAILED for a copy the delete cancelled). */
  restore: { from: ['DELETING'], to: recyclable },
  /** A scheduled BLOCK (`auto_operation_config`): frozen, remembering the state to return to. */
  block: { from: blockable, to: ['BLOCK'] },
  /** `assetbridge assets unblock` (operator): back to the state before the BLOCK (FAILED for a copy the block cancelled). */
  unblock: { from: ['BLOCK'], to: blockable },
  /** The recycle-bin purge after the retention. */
  purge: { from: ['DELETING'], to: ['DELETED'] },
  /** DeleteAsset `mode=force`: gone for good from any state. */
  forceDelete: { from: notEnded, to: ['DELETED'] },
  /** ShowAssetReplicationInfo: only an ACTIVED asset is offered for copy (no state change). */
  export: { from: ['ACTIVED'], to: ['ACTIVED'] },
  /** A transfer job's assets (no state change: an accept moves them to another project as they are). */
  transfer: { from: ['ACTIVED', 'UNACTIVED'], to: ['ACTIVED', 'UNACTIVED'] },
  /** A copy's last file verified (region B). */
  copyActivated: { from: ['CREATING'], to: ['ACTIVED'] },
  /** A copy ended with a permanent fault or outlived its window (region B). */
  copyFailed: { from: ['CREATING'], to: ['FAILED'] },
  /** Replication info posted again for a failed copy, or the operator retries it (region B). */
  copyRestarted: { from: ['FAILED'], to: ['CREATING'] },
} as const satisfies Record<string, Transition<AssetState>>;

/** Source states a copy may still read files from (region A, at every peer download). */
export const copySourceAssetStates: readonly AssetState[] = ['ACTIVED', 'UNACTIVED'];
