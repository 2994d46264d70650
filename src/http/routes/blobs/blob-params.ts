import { Type } from '@sinclair/typebox';
import { maxPartCount } from '../../../domain/large-file.js';
import { FileParams, Id } from '../../schemas/common.js';

export const BlobParams = FileParams;

/** The signed part of a blob URL. The signature is a credential: never logged. */
export const SignedQuery = Type.Object({
  expires: Type.Integer({ minimum: 0, maximum: 99_999_999_999 }),
  signature: Type.String({ pattern: '^[0-9a-f]{64}$' }),
});

/** A download URL may name the project it was handed to through a share (signed with the rest). */
export const DownloadQuery = Type.Object({
  ...SignedQuery.properties,
  via: Type.Optional(Id),
});

/** An upload URL of a large file names its part (signed with the rest). */
export const UploadQuery = Type.Object({
  ...SignedQuery.properties,
  part: Type.Optional(Type.Integer({ minimum: 1, maximum: maxPartCount })),
});
