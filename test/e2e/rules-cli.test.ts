import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalProcess, stopProcess } from '../helpers/processes.js';
import { assetbridge as run } from '../helpers/cli.js';

const cli = path.resolve('dist/cli/main.js');
let dataDir = '';
let child: ChildProcess;

const assetbridge = (args: string[]) => run(args, { ASSETBRIDGE_DATA_DIR: dataDir });

async function until(check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'assetbridge-rules-cli-'));
  ({ child } = await startLocalProcess(dataDir, {}, [cli, 'start']));
});
afterAll(async () => {
  await stopProcess(child);
  await rm(dataDir, { recursive: true, force: true });
});

describe('assetbridge rules', () => {
  it('creates, lists, shows, updates, disables, enables, backfills and removes a rule; the asset reaches the other region', async () => {
    const file = path.join(dataDir, 'clip.mp4');
    writeFileSync(file, randomBytes(64 * 1024));
    const up = JSON.parse((await assetbridge(['upload', file, '--type', 'VIDEO', '--name', 'rule-clip', '--json'])).stdout) as { asset_id: string };

    const created = await assetbridge(['rules', 'create', 'videos', '--to', 'ap-southeast-3', '--types', 'VIDEO', '--backfill', '--json']);
    expect(created.code).toBe(0);
    const id = (JSON.parse(created.stdout) as { rule_id: string }).rule_id;
    await until(async () => (await assetbridge(['assets', 'show', up.asset_id, '--region', 'ap-southeast-3', '--json'])).stdout.includes('"ACTIVED"'));

    const ls = await assetbridge(['rules', 'ls']);
    expect(ls.stdout).toContain(id);
    expect(ls.stdout).toContain('videos');
    await until(async () => (await assetbridge(['rules', 'show', id])).stdout.includes('completed 1'));
    expect((await assetbridge(['rules', 'show', id])).stdout).toContain('backfill DONE (1 queued)');

    const updated = JSON.parse((await assetbridge(['rules', 'update', id, '--tags', 'a,b', '--deletes', 'true', '--json'])).stdout) as { filter: { tags: string[] }; replicate_deletes: boolean };
    expect(updated).toMatchObject({ filter: { tags: ['a', 'b'] }, replicate_deletes: true });
    expect((await assetbridge(['rules', 'disable', id])).stdout).toContain('disabled');
    expect((await assetbridge(['rules', 'enable', id])).stdout).toContain('enabled');
    expect((await assetbridge(['rules', 'backfill', id])).stdout).toContain('backfill queued 0 assets');
    expect((await assetbridge(['rules', 'rm', id])).stdout).toContain(`deleted rule ${id}`);
    const gone = await assetbridge(['rules', 'show', id]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('MSS.10008001');
    expect((await assetbridge(['rules', 'show', 'nope'])).stderr).toContain('32 hex');
  });
});
