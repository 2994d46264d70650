import { Type } from '@sinclair/typebox';
import { FileParams } from '../../schemas/common.js';

export const BlobParams = FileParams;

/** The signed part of a blob URL. The signature is a credential: never logged. */
export const SignedQuery = Type.Object({
  expires: Type.Integer({ minimum: 0, maximum: 99_999_999_999 }),
  signature: Type.String({ pattern: '^[0-9a-f]{64}$' }),
});
