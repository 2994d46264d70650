/** Identity vocabulary: global to every region of a deployment (as IAM is in a public cloud). */

export interface Account {
  id: string;
  name: string;
  createdAt: string;
}

export interface User {
  id: string;
  accountId: string;
  name: string;
  /** scrypt hash in our own `scrypt$N$r$p$salt$hash` form. */
  passwordHash: string;
  enabled: boolean;
  /** Moves on at each password change: tokens issued under an earlier generation are refused. */
  tokenGeneration: number;
  createdAt: string;
}

export interface Credential {
  accessKey: string;
  accountId: string;
  userId: string | null;
  /** The secret key, encrypted under the master key (HMAC needs the clear key). */
  secretEnc: string;
  enabled: boolean;
  description: string | null;
  createdAt: string;
}

/** One project per account per region; its name is the region's (Huawei's convention). */
export interface Project {
  id: string;
  accountId: string;
  region: string;
  createdAt: string;
}

/** A region known to the deployment: where its API answers. */
export interface RegionRecord {
  name: string;
  endpoint: string;
  updatedAt: string;
}

/** Names of accounts and users: what IAM accepts, kept simple. */
export const identityNamePattern = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
