import { randomBytes } from 'node:crypto';

/** 32 lowercase hex characters, as MetaStudio's ids. */
export const idPattern = '^[0-9a-f]{32}$';
const idRegex = new RegExp(idPattern);

export const newId = (): string => randomBytes(16).toString('hex');
export const isId = (value: string): boolean => idRegex.test(value);
