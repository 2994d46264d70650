import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTwoRegions, waitForCopy, type TwoRegions } from '../helpers/two-regions.js';

/**
 * Under umask 022 (files 0644 and folders 0755 by default), each region's data folder is 0700
 * and everything in it 0600: the SQLite databases with their -wal and -shm files, blobs
 * uploaded through the API, and blobs a copy brought in through its staging files. Region A's
 * folder exists beforehand (0755, made private at start); region B's is created by the region.
 * This test always runs on SQLite and the disk store, whatever the test backend.
 */

let root = '';
let r: TwoRegions;
let previousUmask = 0;
const dirs = { a: '', b: '' };
const png = Buffer.from('89504e470d0a1a0a0000000d494844520000000100000001', 'hex');

const onDisk = (dir: string) => ({
  ASSETBRIDGE_DATA_DIR: dir,
  ASSETBRIDGE_DATABASE_URL: `sqlite:${path.join(dir, 'metadata.db')}`,
  ASSETBRIDGE_IDENTITY_DATABASE_URL: `sqlite:${path.join(dir, 'identity.db')}`,
  ASSETBRIDGE_BLOB_STORE: 'disk',
});

beforeAll(async () => {
  previousUmask = process.umask(0o022);
  root = await mkdtemp(path.join(tmpdir(), 'assetbridge-modes-'));
  dirs.a = path.join(root, 'a');
  dirs.b = path.join(root, 'b', 'data');
  mkdirSync(dirs.a, { mode: 0o755 });
  expect(statSync(dirs.a).mode & 0o777).toBe(0o755);
  r = await startTwoRegions({ env: { a: onDisk(dirs.a), b: onDisk(dirs.b) } });
});
afterAll(async () => {
  await r?.close();
  process.umask(previousUmask);
  await rm(root, { recursive: true, force: true });
});

/** Every file and folder under `dir` (the folder itself excluded) with its permission bits. */
function modesUnder(dir: string): { file: string; folder: boolean; mode: number }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((d) => {
    const full = path.join(d.parentPath, d.name);
    return { file: path.relative(dir, full), folder: d.isDirectory(), mode: statSync(full).mode & 0o777 };
  });
}

describe('the data folder under umask 022', () => {
  it('is 0700, with every database, blob and staging file 0600 (folders 0700)', async () => {
    const assetId = await r.a.client.createAsset();
    await r.a.client.addFile(assetId, 'main.png', png);
    const info = await r.a.client.ok('GET', `/digital-assets/${assetId}/replication-info`);
    expect((await r.clientB.call('POST', '/digital-assets-by-replication-info', { body: info })).status).toBe(200);
    expect((await waitForCopy(r.clientB, assetId)).asset_state).toBe('ACTIVED');

    for (const [name, dir] of Object.entries(dirs)) {
      expect({ name, mode: statSync(dir).mode & 0o777 }).toEqual({ name, mode: 0o700 });
      const entries = modesUnder(dir);
      const files = entries.filter((e) => !e.folder).map((e) => e.file);
      // What must be there: the database with its WAL companions, and at least one blob.
      expect(files).toEqual(expect.arrayContaining(['metadata.db', 'metadata.db-wal', 'metadata.db-shm']));
      expect(files.some((f) => f.startsWith(`blobs${path.sep}files${path.sep}`))).toBe(true);
      for (const e of entries) expect({ file: e.file, mode: e.mode }).toEqual({ file: e.file, mode: e.folder ? 0o700 : 0o600 });
    }
    // Region B's copy came through the blob store's staging folder.
    expect(modesUnder(dirs.b).some((e) => e.folder && e.file === path.join('blobs', '.tmp'))).toBe(true);
  });
});
