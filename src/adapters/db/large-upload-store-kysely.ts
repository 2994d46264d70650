import type { Kysely, Selectable } from 'kysely';
import type { LargeUpload, LargeUploadState, LargeUploadStore, ReceivedPart } from '../../ports/large-upload-store.js';
import { lockForClaim, type Engine } from './engine.js';
import type { Database, LargeUploadsTable } from './schema.js';

const toUpload = (r: Selectable<LargeUploadsTable>): LargeUpload => ({
  fileId: r.file_id,
  projectId: r.project_id,
  partCount: r.part_count,
  partSize: Number(r.part_size),
  fileSize: r.file_size === null ? undefined : Number(r.file_size),
  uploadId: r.upload_id,
  state: r.state as LargeUploadState,
  attempts: r.attempts,
  lastError: r.last_error,
});

/** Large uploads on SQLite or PostgreSQL. */
export class KyselyLargeUploadStore implements LargeUploadStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

  async insert(u: LargeUpload, now: string): Promise<void> {
    await this.db
      .insertInto('large_uploads')
      .values({
        file_id: u.fileId, project_id: u.projectId, part_count: u.partCount, part_size: u.partSize, file_size: u.fileSize ?? null,
        upload_id: u.uploadId, state: u.state, lease_owner: null, lease_expires_at: null, next_run_at: now, attempts: u.attempts, last_error: u.lastError,
      })
      .execute();
  }

  async get(fileId: string): Promise<LargeUpload | undefined> {
    const row = await this.db.selectFrom('large_uploads').selectAll().where('file_id', '=', fileId).executeTakeFirst();
    return row && toUpload(row);
  }

  async lock(fileId: string): Promise<LargeUpload | undefined> {
    // A write takes the row lock on PostgreSQL and the database's write lock on SQLite.
    await this.db.updateTable('large_uploads').set((eb) => ({ state: eb.ref('state') })).where('file_id', '=', fileId).execute();
    return this.get(fileId);
  }

  async startPart(fileId: string, number: number, attempt: string): Promise<void> {
    await this.db
      .insertInto('large_upload_parts')
      .values({ file_id: fileId, part_number: number, attempt, size: null, etag: null })
      .onConflict((oc) => oc.columns(['file_id', 'part_number']).doUpdateSet({ attempt, size: null, etag: null }))
      .execute();
  }

  async finishPart(fileId: string, number: number, attempt: string, written: { size: number; etag: string }): Promise<boolean> {
    const res = await this.db
      .updateTable('large_upload_parts')
      .set({ size: written.size, etag: written.etag })
      .where('file_id', '=', fileId)
      .where('part_number', '=', number)
      .where('attempt', '=', attempt)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async receivedParts(fileId: string): Promise<ReceivedPart[]> {
    const rows = await this.db
      .selectFrom('large_upload_parts')
      .select(['part_number', 'size', 'etag'])
      .where('file_id', '=', fileId)
      .where('size', 'is not', null)
      .orderBy('part_number')
      .execute();
    return rows.map((r) => ({ number: r.part_number, size: Number(r.size), etag: r.etag ?? '' }));
  }

  async markAssembling(fileId: string, now: string): Promise<void> {
    await this.db.updateTable('large_uploads').set({ state: 'ASSEMBLING', next_run_at: now }).where('file_id', '=', fileId).execute();
  }

  async claim(owner: string, now: string, leaseUntil: string): Promise<LargeUpload | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const due = await lockForClaim(
        this.engine,
        trx
          .selectFrom('large_uploads')
          .select('file_id')
          .where('state', '=', 'ASSEMBLING')
          .where('next_run_at', '<=', now)
          .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]))
          .orderBy('next_run_at')
          .limit(1),
      ).executeTakeFirst();
      if (!due) return undefined;
      await trx
        .updateTable('large_uploads')
        .set((eb) => ({ lease_owner: owner, lease_expires_at: leaseUntil, attempts: eb('attempts', '+', 1) }))
        .where('file_id', '=', due.file_id)
        .execute();
      const row = await trx.selectFrom('large_uploads').selectAll().where('file_id', '=', due.file_id).executeTakeFirstOrThrow();
      return toUpload(row);
    });
  }

  async renew(fileId: string, owner: string, leaseUntil: string): Promise<boolean> {
    const res = await this.db
      .updateTable('large_uploads')
      .set({ lease_expires_at: leaseUntil })
      .where('file_id', '=', fileId)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async release(fileId: string, owner: string, retry: { nextRunAt: string; lastError: string }): Promise<void> {
    await this.db
      .updateTable('large_uploads')
      .set({ lease_owner: null, lease_expires_at: null, next_run_at: retry.nextRunAt, last_error: retry.lastError })
      .where('file_id', '=', fileId)
      .where('lease_owner', '=', owner)
      .execute();
  }

  async hasUpload(uploadId: string): Promise<boolean> {
    return (await this.db.selectFrom('large_uploads').select('file_id').where('upload_id', '=', uploadId).limit(1).executeTakeFirst()) !== undefined;
  }

  async remove(fileId: string): Promise<void> {
    await this.db.deleteFrom('large_upload_parts').where('file_id', '=', fileId).execute();
    await this.db.deleteFrom('large_uploads').where('file_id', '=', fileId).execute();
  }
}
