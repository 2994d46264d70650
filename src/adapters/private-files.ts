import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

/**
 * What a region keeps on disk (databases, blobs, staging files) is readable by its own user
 * only, whatever the process umask: folders 0700, files 0600.
 */
export const privateDirMode = 0o700;
export const privateFileMode = 0o600;

/** Creates a folder and its missing parents as private; an existing folder is made private too. */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: privateDirMode });
  chmodSync(dir, privateDirMode);
}

/**
 * A SQLite database file, created empty and private before SQLite opens it: SQLite gives its
 * `-wal` and `-shm` files the mode of the database file. Existing ones are made private too.
 */
export function makePrivateDatabaseFile(file: string): void {
  closeSync(openSync(file, 'a', privateFileMode));
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (existsSync(f)) chmodSync(f, privateFileMode);
  }
}
