import { Type } from '@sinclair/typebox';
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
