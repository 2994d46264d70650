import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/ids.js';
import { Deployment, regionNames } from '../helpers/deployment.js';

/** `assetbridge copies` against the database of a running region process (run one at a time: 2 cores). */
const run = promisify(execFile);
const cli = path.resolve('dist/cli/main.js');
const MiB = 1024 * 1024;

let d: Deployment;
beforeAll(async () => {
  d = await Deployment.create();
  await d.start('a');
  // Slow enough to act on a copy in progress (restarted without the limit for the retry).
  await d.start('b', { ASSETBRIDGE_PEER_BANDWIDTH_LIMIT: String(MiB) });
  await d.createAccount();
});
afterAll(async () => {
  if (process.env.E2E_DEBUG) console.log('A output:', d.output.a, '\nB output:', d.output.b);
  await d.close();
});

/** The built CLI on region B's data folder; resolves with exit code and output (never rejects). */
async function copies(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, ASSETBRIDGE_DATA_DIR: d.dataDir('b'), ASSETBRIDGE_REGION: regionNames.b };
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, 'copies', ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
async function waitForAsset(id: string, until: (asset: any) => boolean, timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await d.clients.b.call('GET', `/digital-assets/${id}`);
    if (res.status === 200 && until(res.body)) return res.body;
    if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(res.body)}\nB:${d.output.b}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('assetbridge copies (operator, on a running region)', () => {
  it('lists a copy in progress, cancels it, refuses a retry after its window, retries it within the window to ACTIVED', async () => {
    const bytes = randomBytes(24 * MiB);
    const id = await d.clients.a.createAsset({ asset_type: 'VIDEO' });
    await d.clients.a.addFile(id, 'big.mp4', bytes, 'MAIN');
    const info = await d.clients.a.call('GET', `/digital-assets/${id}/replication-info`);
    expect((await d.clients.b.call('POST', '/digital-assets-by-replication-info', { body: info.body })).status).toBe(200);
    await waitForAsset(id, (a) => (a.replication?.bytes_done ?? 0) > 0);

    // The listings run side by side: the copy (1 MiB/s) must still be running for all of them and
    // for the cancel below, however slowly the CLI starts on a busy machine.
    const [listed, text, otherProject, failedOnly] = await Promise.all([copies('ls', '--json'), copies('ls'), copies('ls', '--project', newId()), copies('ls', '--state', 'FAILED', '--json')]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ asset_id: id, project_id: d.projects.b, state: 'CREATING', source_region: regionNames.a, bytes_total: bytes.length, files_total: 1, attempts: 0, lease_owner: expect.any(String) }),
    ]);
    expect(text.stdout).toMatch(new RegExp(`^${id}  ${d.projects.b}  CREATING .*0/1 files .*attempts 0  from ${regionNames.a}`));
    expect(otherProject.stdout.trim()).toBe('(no copies)');
    expect(failedOnly.stdout.trim()).toBe('[]');

    const cancelled = await copies('cancel', id);
    expect(cancelled).toMatchObject({ code: 0, stdout: expect.stringContaining(`${id}: cancelled`) });
    const failed = await waitForAsset(id, (a) => a.asset_state !== 'CREATING');
    expect(failed).toMatchObject({ asset_state: 'FAILED', reason: 'cancelled by operator', replication: { state: 'CANCELLED' } });
    const again = await copies('cancel', id);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: MSS\.10003019: .*CANCELLED/);

    // The copy window ended (moved into the past in the region's database): retry refuses, naming what to do.
    const db = new SQLite(path.join(d.dataDir('b'), 'metadata.db'));
    try {
      const { deadline } = db.prepare('SELECT deadline FROM copy_tasks WHERE asset_id = ?').get(id) as { deadline: string };
      db.prepare('UPDATE copy_tasks SET deadline = ? WHERE asset_id = ?').run('2000-01-01T00:00:00.000Z', id);
      const late = await copies('retry', id);
      expect(late.code).toBe(1);
      expect(late.stderr).toContain('MSS.10003018');
      expect(late.stderr).toContain(`post the replication info again (assetbridge copy ${id} --from ${regionNames.a} --to ${regionNames.b})`);
      expect((await d.clients.b.call('GET', `/digital-assets/${id}`)).body.asset_state).toBe('FAILED');
      db.prepare('UPDATE copy_tasks SET deadline = ? WHERE asset_id = ?').run(deadline, id);
    } finally {
      db.close();
    }

    // Within the window: a cancelled copy gave up its download capabilities, so retry refuses and
    // names the command that posts the replication info again; posting it again copies the asset.
    // (A FAILED copy within its window keeps them and retries: test/integration/copy-operations.test.ts.)
    const refused = await copies('retry', id);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: MSS\.10003017: .*download capabilities/);
    expect(refused.stderr).toContain(`post the replication info again (assetbridge copy ${id} --from ${regionNames.a} --to ${regionNames.b})`);
    expect((await d.clients.b.call('POST', '/digital-assets-by-replication-info', { body: info.body })).status).toBe(200);
    const copied = await waitForAsset(id, (a) => a.asset_state !== 'CREATING', 120_000);
    expect(copied).toMatchObject({ asset_state: 'ACTIVED', replication: { state: 'ACTIVED', bytes_done: bytes.length } });
    const got = Buffer.from(await (await fetch(copied.files[0].download_url as string)).arrayBuffer());
    expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));

    const done = await copies('retry', id);
    expect(done.code).toBe(1);
    expect(done.stderr).toMatch(/^error: MSS\.10003017: .*ACTIVED/);
    expect((await copies('cancel', newId())).stderr).toMatch(/^error: MSS\.10003016: /);
  });

  it('names the missing database instead of creating one', async () => {
    const res = await copies('ls', '--region', 'eu-west-9');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`no metadata database at ${path.join(d.dataDir('b'), 'eu-west-9', 'metadata.db')}`);
  });
});
