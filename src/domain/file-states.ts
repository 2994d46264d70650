import { fileStates, type FileState } from './asset.js';
import { statesWhere, type Transition } from './state-machine.js';

/** What each file state allows. */
interface FileStateRule {
  /** The signed upload URL accepts bytes. */
  acceptsUpload: boolean;
  /** The bytes are confirmed: downloadable while the asset is readable. */
  downloadable: boolean;
  /** Shown among the asset's files. */
  listed: boolean;
  /** Occupies the asset's single MAIN or COVER slot. */
  holdsSlot: boolean;
  /** Every API shows it (DELETED files are gone: 404). */
  visible: boolean;
}

const rule = (r: Partial<FileStateRule>): FileStateRule => ({
  acceptsUpload: false, downloadable: false, listed: true, holdsSlot: true, visible: true, ...r,
});

export const fileStateRules: Record<FileState, FileStateRule> = {
  CREATING: rule({ acceptsUpload: true }),
  UPLOADED: rule({ acceptsUpload: true }),
  CREATED: rule({ downloadable: true }),
  // A failed file stays listed (its reason is worth seeing) but frees the slot.
  FAILED: rule({ holdsSlot: false }),
  CANCELLED: rule({ listed: false, holdsSlot: false }),
  DELETED: rule({ listed: false, holdsSlot: false, visible: false }),
  DELETING: rule({}),
  REVIEW: rule({}),
  BLOCK: rule({}),
};

export const uploadableFileStates = statesWhere(fileStates, fileStateRules, (r) => r.acceptsUpload);
export const listedFileStates = statesWhere(fileStates, fileStateRules, (r) => r.listed);
const present = statesWhere(fileStates, fileStateRules, (r) => r.visible);

/** Every way a file changes state. */
export const fileActions = {
  /** A complete, verified upload through the signed URL (a second one replaces the first). */
  upload: { from: uploadableFileStates, to: ['UPLOADED'] },
  /** ConfirmFileUpload CREATED: only once bytes are there. */
  confirmCreated: { from: ['UPLOADED'], to: ['CREATED'] },
  /** ConfirmFileUpload CREATED of a large file with every part received: a worker assembles it. */
  confirmLarge: { from: ['CREATING'], to: ['UPLOADED'] },
  /** A large file assembled and hashed, or failed doing so. */
  assembled: { from: ['UPLOADED'], to: ['CREATED', 'FAILED'] },
  /** ConfirmFileUpload FAILED. */
  confirmFailed: { from: uploadableFileStates, to: ['FAILED'] },
  /** ConfirmFileUpload CANCELLED (any uploaded bytes are removed). */
  confirmCancelled: { from: uploadableFileStates, to: ['CANCELLED'] },
  /** DeleteFile, or the asset deleted for good. */
  delete: { from: present, to: ['DELETED'] },
  /** The upload URL expired before the file was confirmed (the sweeper; its bytes are removed). */
  uploadExpired: { from: uploadableFileStates, to: ['FAILED'] },
  /** A copy verified the file (region B). */
  copyVerified: { from: ['CREATING'], to: ['CREATED'] },
  /** A copy failed, or was cancelled by a delete and its asset restored (region B). */
  copyFailed: { from: ['CREATING'], to: ['FAILED'] },
  /** The operator retries a failed copy (`assetbridge copies retry`, region B). */
  copyRetried: { from: ['FAILED'], to: ['CREATING'] },
} as const satisfies Record<string, Transition<FileState>>;

/** The confirm action for each state ConfirmFileUpload accepts. */
export const confirmActions = {
  CREATED: fileActions.confirmCreated,
  FAILED: fileActions.confirmFailed,
  CANCELLED: fileActions.confirmCancelled,
} as const satisfies Record<string, Transition<FileState>>;
