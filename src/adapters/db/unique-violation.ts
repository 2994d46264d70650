/** SQLite and PostgreSQL report a unique violation differently. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string } | undefined;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** A primary-key violation (as opposed to another unique index). */
export function isPrimaryKeyViolation(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string } | undefined;
  return e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || (e?.code === '23505' && (e.constraint ?? '').endsWith('_pk'));
}
