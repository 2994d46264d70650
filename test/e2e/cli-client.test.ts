import { execFile, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalProcess, stopProcess, type LocalJson } from '../helpers/processes.js';

const run = promisify(execFile);
const cli = path.resolve('dist/cli/main.js');
let dataDir = '';
let child: ChildProcess;
let local: LocalJson;

async function assetbridge(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env: { ...process.env, ASSETBRIDGE_DATA_DIR: dataDir } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'assetbridge-cli-client-'));
  // Started the way a user would: `assetbridge start`.
  ({ child, local } = await startLocalProcess(dataDir, {}, [cli, 'start']));
});
afterAll(async () => {
  await stopProcess(child);
  await rm(dataDir, { recursive: true, force: true });
});

describe('assetbridge CLI against a running local mode', () => {
  it('uploads with progress, lists, shows, copies with --wait to ACTIVED, deletes and restores', async () => {
    const file = path.join(dataDir, 'clip.mp4');
    writeFileSync(file, randomBytes(2 * 1024 * 1024));
    const up = await assetbridge(['upload', file, '--type', 'VIDEO', '--name', 'cli-clip', '--json']);
    expect(up.code).toBe(0);
    expect(up.stderr).toContain('100%');
    const { asset_id: id, asset_state } = JSON.parse(up.stdout) as { asset_id: string; asset_state: string };
    expect(asset_state).toBe('ACTIVED');

    const ls = JSON.parse((await assetbridge(['assets', 'ls', '--json', '--name', 'cli-clip'])).stdout) as { count: number };
    expect(ls.count).toBe(1);
    expect((await assetbridge(['assets', 'show', id])).stdout).toContain('clip.mp4');

    const copy = await assetbridge(['copy', id, '--from', 'cn-north-4', '--to', 'ap-southeast-3', '--wait']);
    expect(copy.code).toBe(0);
    expect(copy.stdout).toContain(`ACTIVED in ap-southeast-3`);
    const shownB = JSON.parse((await assetbridge(['assets', 'show', id, '--region', 'ap-southeast-3', '--json'])).stdout) as { asset_state: string; replication: { bytes_done: number } };
    expect(shownB.asset_state).toBe('ACTIVED');
    expect(shownB.replication.bytes_done).toBe(2 * 1024 * 1024);

    expect((await assetbridge(['assets', 'rm', id, '--region', 'ap-southeast-3'])).code).toBe(0);
    expect((await assetbridge(['assets', 'restore', id, '--region', 'ap-southeast-3'])).code).toBe(0);
    const created = JSON.parse((await assetbridge(['assets', 'create', 'empty-one', '--type', 'IMAGE', '--json'])).stdout) as { asset_id: string };
    expect((await assetbridge(['assets', 'rm', created.asset_id, '--force'])).code).toBe(0);
    const missing = await assetbridge(['assets', 'show', created.asset_id]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('MSS.10001001');
    expect(missing.stderr).toContain('next:');
  });

  it('ends a failed copy with the reason and a non-zero exit', async () => {
    const file = path.join(dataDir, 'bad.mp4');
    const bytes = randomBytes(300_000);
    writeFileSync(file, bytes);
    const { asset_id: id } = JSON.parse((await assetbridge(['upload', file, '--type', 'VIDEO', '--name', 'cli-bad', '--json'])).stdout) as { asset_id: string };
    // Corrupt the stored bytes in the source region: the copy must fail its checksum.
    const project = local.regions[0]?.project_id ?? '';
    const root = path.join(dataDir, 'cn-north-4', 'blobs', 'files', project);
    for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
      const full = path.join(entry.parentPath, entry.name);
      if (entry.isFile() && statSync(full).size === bytes.length) writeFileSync(full, randomBytes(bytes.length));
    }
    const copy = await assetbridge(['copy', id, '--from', 'cn-north-4', '--to', 'ap-southeast-3', '--wait']);
    expect(copy.code).toBe(1);
    expect(copy.stderr).toContain(`error: ${id}: copy ended FAILED (checksum_mismatch)`);
    expect(copy.stderr).toContain(`next: fix the cause, then assetbridge copy ${id} --from cn-north-4 --to ap-southeast-3 --wait`);
  });

  it('answers a mistake with one line and the next step, never a stack trace', async () => {
    const noId = await assetbridge(['copy', '--from', 'cn-north-4', '--to', 'ap-southeast-3']);
    expect(noId.code).toBe(1);
    expect(noId.stderr).toContain('error: name an asset id, or use --all');
    const created = JSON.parse((await assetbridge(['assets', 'create', 'not-in-the-bin', '--type', 'IMAGE', '--json'])).stdout) as { asset_id: string };
    const restore = await assetbridge(['assets', 'restore', created.asset_id]);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain('MSS.10002001 (409)');
    expect(restore.stderr).toContain(`next: look at the asset's state: assetbridge assets show ${created.asset_id}\n`);
    for (const out of [noId.stderr, restore.stderr]) expect(out).not.toMatch(/^\s+at /m);
  });

  it('copies every matching asset with --all and prints a summary', async () => {
    const file = path.join(dataDir, 'all.mp4');
    writeFileSync(file, randomBytes(100_000));
    expect((await assetbridge(['upload', file, '--type', 'VIDEO', '--name', 'cli-all-only', '--json'])).code).toBe(0);
    const all = await assetbridge(['copy', '--all', '--from', 'cn-north-4', '--to', 'ap-southeast-3', '--filter', 'cli-all-only', '--wait', '--json']);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toMatchObject({ summary: { total: 1, copied: 1, already_there: 0, skipped: 0, failed: 0 } });
  });
});
