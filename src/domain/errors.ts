/**
 * The one catalogue of error codes. MetaStudio documents the codes marked "(doc)"; the others
 * are ours (listed in the README). Each entry: HTTP status and the default message.
 */
export const errorCatalogue = {
  invalidBody: { code: 'MSS.00000002', status: 400, message: 'Invalid body' }, // (doc)
  invalidParameter: { code: 'MSS.00000003', status: 400, message: 'Invalid parameter' }, // (doc)
  apiNotFound: { code: 'MSS.00010003', status: 404, message: 'SR.api not found' }, // (doc)
  methodNotAllowed: { code: 'MSS.00010004', status: 405, message: 'SR.method not allowed' }, // (doc)
  invalidToken: { code: 'MSS.00010008', status: 401, message: 'Invalid token in the header.' }, // (doc)
  projectMismatch: { code: 'MSS.00010009', status: 403, message: 'urlTenantId is not equal tokenTenantId' }, // (doc)
  authenticationFailed: { code: 'MSS.00010010', status: 401, message: 'Incorrect IAM authentication information' },
  accessKeyLocked: { code: 'MSS.00010011', status: 401, message: 'Access key temporarily locked' },
  forbidden: { code: 'MSS.00010012', status: 403, message: 'Access denied' },
  ambiguousRequestTarget: { code: 'MSS.00010013', status: 400, message: 'Request target refused' },
  jsonTooDeep: { code: 'MSS.00010014', status: 400, message: 'JSON nested too deep' },
  tooManyLogins: { code: 'MSS.00010015', status: 429, message: 'Too many login attempts' },
  loginsBusy: { code: 'MSS.00010016', status: 429, message: 'Too many logins in progress' },
  requestTimeout: { code: 'MSS.00010017', status: 408, message: 'Request timeout' },
  tooManyUnverifiedBodies: { code: 'MSS.00010018', status: 429, message: 'Too many unverified request bodies' },
  jsonException: { code: 'MSS.10000002', status: 400, message: 'Request JSON exception' }, // (doc)
  assetNotFound: { code: 'MSS.10001001', status: 404, message: 'Asset not found' }, // (doc)
  illegalUrlParameter: { code: 'MSS.10001002', status: 400, message: 'Illegal URL parameter, please check' }, // (doc)
  fileTypeEmpty: { code: 'MSS.10001003', status: 400, message: 'The file type are empty, please check' }, // (doc)
  fileNotFound: { code: 'MSS.10001004', status: 404, message: 'The file not found' }, // (doc)
  assetNameExists: { code: 'MSS.10001005', status: 409, message: 'Asset name already exists' }, // (doc)
  mainFileExists: { code: 'MSS.10001008', status: 409, message: 'Asset main file already exists' }, // (doc)
  coverFileExists: { code: 'MSS.10001009', status: 409, message: 'Asset cover file already exists' }, // (doc)
  assetStateConflict: { code: 'MSS.10002001', status: 409, message: 'The asset state does not allow this operation' },
  fileStateConflict: { code: 'MSS.10002002', status: 409, message: 'The file state does not allow this operation' },
  fileTooLarge: { code: 'MSS.10002003', status: 413, message: 'File too large' },
  bodyTooLarge: { code: 'MSS.10002004', status: 413, message: 'Request body too large' },
  urlSignatureInvalid: { code: 'MSS.10002005', status: 403, message: 'The signed URL is invalid or has expired' },
  contentMd5Mismatch: { code: 'MSS.10002006', status: 400, message: 'Content-MD5 does not match the uploaded bytes' },
  contentSizeMismatch: { code: 'MSS.10002007', status: 400, message: 'Uploaded size does not match file_size' },
  fileNotUploaded: { code: 'MSS.10002008', status: 409, message: 'The file has not been uploaded yet' },
  // Not an answer: shown in the `error_info` of `asset_extra_meta`'s image_meta/video_meta/audio_meta.
  mediaNotParsed: { code: 'MSS.10001010', status: 422, message: 'The main file could not be parsed for its media metadata' },
  rangeNotSatisfiable: { code: 'MSS.10002010', status: 416, message: 'Requested range not satisfiable' },
  replicationInfoInvalid: { code: 'MSS.10003001', status: 400, message: 'Replication info does not open' },
  replicationKeyUnknown: { code: 'MSS.10003002', status: 400, message: 'Unknown replication key' },
  replicationExpired: { code: 'MSS.10003003', status: 400, message: 'Replication info has expired' },
  replicationAssetMismatch: { code: 'MSS.10003004', status: 400, message: 'asset_id is not the sealed asset' },
  replicationSourceNotPeer: { code: 'MSS.10003005', status: 400, message: 'The source region is not a configured peer' },
  replicationFileTooLarge: { code: 'MSS.10003006', status: 400, message: 'A file of the asset is larger than this region accepts' },
  replicationAccountMismatch: { code: 'MSS.10003007', status: 403, message: 'The caller is not the owner of the source asset' },
  replicationAssetConflict: { code: 'MSS.10003008', status: 409, message: 'The asset id is taken in this project' },
  replicationAssetInRecycleBin: { code: 'MSS.10003009', status: 409, message: 'The asset is in the recycle bin; restore it instead' },
  replicationNotConfigured: { code: 'MSS.10003010', status: 503, message: 'Replication is not configured in this region' },
  capabilityRefused: { code: 'MSS.10003011', status: 403, message: 'Download capability refused' },
  copyNotFound: { code: 'MSS.10003016', status: 404, message: 'No copy of this asset in this region' },
  copyNotRetryable: { code: 'MSS.10003017', status: 409, message: 'The copy cannot be retried' },
  copyWindowEnded: { code: 'MSS.10003018', status: 409, message: 'The copy window has ended' },
  copyNotRunning: { code: 'MSS.10003019', status: 409, message: 'The copy is not running' },
  transferPending: { code: 'MSS.10006001', status: 409, message: 'The asset is in a pending transfer job' },
  transferJobNotFound: { code: 'MSS.10006002', status: 404, message: 'Transfer job not found' },
  transferJobStateConflict: { code: 'MSS.10006003', status: 409, message: 'The transfer job state does not allow this action' },
  transferActionForbidden: { code: 'MSS.10006004', status: 403, message: 'This side of the transfer job may not do this' },
  operatorOnly: { code: 'MSS.10006005', status: 403, message: 'Reserved to the operator' },
  transferAssetIdTaken: { code: 'MSS.10006006', status: 409, message: 'The asset id is taken in the destination project' },
  transferJobExpired: { code: 'MSS.10006007', status: 409, message: 'The transfer job expired' },
  quotaAssetsExceeded: { code: 'MSS.10007001', status: 403, message: 'The project holds as many assets as its quota allows' },
  quotaFilesExceeded: { code: 'MSS.10007002', status: 403, message: 'The asset holds as many files as its quota allows' },
  quotaPendingUploadBytesExceeded: { code: 'MSS.10007003', status: 403, message: 'The project has as many bytes awaiting upload as its quota allows' },
  ruleNotFound: { code: 'MSS.10008001', status: 404, message: 'Replication rule not found' },
  ruleTargetRegionInvalid: { code: 'MSS.10008002', status: 400, message: 'The target region is not another region of this deployment' },
  ruleTargetProjectForbidden: { code: 'MSS.10008003', status: 403, message: 'The target project belongs to another account' },
  ruleTargetProjectInvalid: { code: 'MSS.10008004', status: 400, message: 'The target project is not a project of the target region' },
  ruleNameExists: { code: 'MSS.10008005', status: 409, message: 'A replication rule of this project has that name' },
  ruleFilterInvalid: { code: 'MSS.10008006', status: 400, message: 'Invalid replication rule filter' },
  replicaReadOnly: { code: 'MSS.10008007', status: 409, message: 'The asset is a replica fed by a replication rule of another region' },
  ruleDeliveryRefused: { code: 'MSS.10008008', status: 403, message: 'Rule delivery refused' },
  ruleDeliveryInvalid: { code: 'MSS.10008009', status: 400, message: 'Rule delivery does not open' },
  internal: { code: 'MSS.00000500', status: 500, message: 'Internal server error' },
  unavailable: { code: 'MSS.00000503', status: 503, message: 'Service temporarily unavailable' },
} as const satisfies Record<string, { code: string; status: number; message: string }>;

export type ErrorKind = keyof typeof errorCatalogue;

/** The one error class of the service: a catalogue entry, a precise message, the cause. */
export class AppError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly status: number;
  /** For 429 and 503: when to retry (the `Retry-After` header). */
  readonly retryAfterSeconds?: number;

  constructor(kind: ErrorKind, detail?: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    const entry = errorCatalogue[kind];
    super(detail ? `${entry.message}: ${detail}` : entry.message, options);
    this.name = 'AppError';
    this.kind = kind;
    this.code = entry.code;
    this.status = entry.status;
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const isAppError = (err: unknown): err is AppError => err instanceof AppError;
