import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetbridge as run, spawnCli, until, uploadBytes } from '../helpers/cli.js';
import { startLocalProcess, stopProcess, type LocalJson } from '../helpers/processes.js';

const A = 'cn-north-4';
const B = 'ap-southeast-3';
let dataDir = '';
let child: ChildProcess;
let local: LocalJson;
const assetbridge = (args: string[]) => run(args, { ASSETBRIDGE_DATA_DIR: dataDir });

interface Bulk {
  summary: Record<string, number>;
  items: { asset_id: string; result: string; reason: string | null; next?: string }[];
}

const upload = (name: string, bytes: Buffer) => uploadBytes(dataDir, name, bytes);

const ok = async (args: string[]) => {
  const r = await assetbridge(args);
  expect(r.code, r.stderr).toBe(0);
  return r;
};

let ids: { copies: string; there: string; creating: string; inBin: string; corrupt: string };

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'assetbridge-cli-bulk-'));
  ({ child, local } = await startLocalProcess(dataDir));
  const corruptBytes = randomBytes(123_457);
  ids = {
    copies: await upload('bulk-copies', randomBytes(50_000)),
    there: await upload('bulk-there', randomBytes(50_000)),
    creating: JSON.parse((await ok(['assets', 'create', 'bulk-creating', '--type', 'IMAGE', '--json'])).stdout).asset_id as string,
    inBin: await upload('bulk-in-bin', randomBytes(50_000)),
    corrupt: await upload('bulk-corrupt', corruptBytes),
  };
  await ok(['copy', ids.there, '--from', A, '--to', B, '--wait']);
  await ok(['copy', ids.inBin, '--from', A, '--to', B, '--wait']);
  await ok(['assets', 'rm', ids.inBin, '--region', B]);
  // Corrupt the stored bytes in the source region: its copy must end FAILED.
  const root = path.join(dataDir, A, 'blobs', 'files', local.regions[0]?.project_id ?? '');
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isFile() && statSync(full).size === corruptBytes.length) writeFileSync(full, randomBytes(corruptBytes.length));
  }
});
afterAll(async () => {
  await stopProcess(child);
  await rm(dataDir, { recursive: true, force: true });
});

const resultOf = (bulk: Bulk, id: string) => bulk.items.find((i) => i.asset_id === id);

describe('assetbridge copy --all', () => {
  it('lists with --dry-run what would happen and changes nothing', async () => {
    const dry = await assetbridge(['copy', '--all', '--from', A, '--to', B, '--filter', 'bulk-', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const bulk = JSON.parse(dry.stdout) as Bulk;
    expect(bulk.summary).toEqual({ total: 5, would_copy: 3, already_there: 1, skipped: 1, failed: 0 });
    expect(resultOf(bulk, ids.copies)).toMatchObject({ result: 'would_copy' });
    expect(resultOf(bulk, ids.there)).toMatchObject({ result: 'already_there' });
    expect(resultOf(bulk, ids.creating)).toMatchObject({ result: 'skipped', reason: 'source is CREATING' });
    expect(resultOf(bulk, ids.inBin)).toMatchObject({ result: 'would_copy', reason: `${B} has it DELETING` });
    const notCopied = await assetbridge(['assets', 'show', ids.copies, '--region', B, '--json']);
    expect(notCopied.code).toBe(1);
    const text = await assetbridge(['copy', '--all', '--from', A, '--to', B, '--filter', 'bulk-', '--dry-run']);
    expect(text.stdout).toContain(`would copy: ${ids.copies} bulk-copies`);
    expect(text.stdout).toContain(`skipped: ${ids.creating} bulk-creating (source is CREATING)`);
  });

  it('goes on past failures, names each with its id and next step, sums up and exits 1', async () => {
    const all = await assetbridge(['copy', '--all', '--from', A, '--to', B, '--filter', 'bulk-', '--wait', '--json']);
    expect(all.code).toBe(1);
    const bulk = JSON.parse(all.stdout) as Bulk;
    expect(bulk.summary).toEqual({ total: 5, copied: 1, already_there: 1, skipped: 1, failed: 2 });
    expect(resultOf(bulk, ids.copies)).toMatchObject({ result: 'copied' });
    expect(resultOf(bulk, ids.inBin)).toMatchObject({
      result: 'failed',
      reason: expect.stringMatching(/^MSS\.10003009: /) as string,
      next: `assetbridge assets restore ${ids.inBin} --region ${B}`,
    });
    expect(resultOf(bulk, ids.corrupt)).toMatchObject({ result: 'failed', reason: expect.stringContaining('copy ended FAILED (checksum_mismatch)') as string });
    // stderr carries the failure lines; stdout only the JSON document.
    expect(all.stderr).toContain(`failed: ${ids.inBin} bulk-in-bin: MSS.10003009`);

    const text = await assetbridge(['copy', '--all', '--from', A, '--to', B, '--filter', 'bulk-', '--wait']);
    expect(text.code).toBe(1);
    const failures = text.stderr.split('\n').filter((l) => l.startsWith('failed: '));
    expect(failures).toHaveLength(2);
    expect(failures.join('\n')).toContain(`failed: ${ids.corrupt} bulk-corrupt: copy ended FAILED (checksum_mismatch)`);
    expect(failures.join('\n')).toContain(`next: assetbridge assets restore ${ids.inBin} --region ${B}`);
    expect(text.stdout).toMatch(new RegExp(`${A} -> ${B}: total 5, copied 0, already there 2, skipped 1, failed 2\\n$`));
  });

  it('without --wait starts every copy and returns with the summary', async () => {
    const fresh = await upload('bulk-fresh', randomBytes(2 * 1024 * 1024));
    const all = await assetbridge(['copy', '--all', '--from', A, '--to', B, '--filter', 'bulk-fresh', '--json']);
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual({ summary: { total: 1, started: 1, already_there: 0, skipped: 0, failed: 0 }, items: [{ asset_id: fresh, result: 'started', reason: null }] });
    const followed = await assetbridge(['copy', fresh, '--from', A, '--to', B, '--wait']);
    expect(followed.stdout).toContain(`${fresh}: ACTIVED in ${B}`);
  });

  it('says on Ctrl-C during --all --wait that the copies go on, and the printed command picks them up', async () => {
    const big = await upload('bulk-big', randomBytes(48 * 1024 * 1024));
    const all = spawnCli(['copy', '--all', '--from', A, '--to', B, '--filter', 'bulk-big', '--wait'], { ASSETBRIDGE_DATA_DIR: dataDir });
    await until(() => all.stderr().includes('1 assets cn-north-4 -> ap-southeast-3 ['), 30_000, 'the progress bar');
    all.child.kill('SIGINT');
    expect(await all.exit).toBe(130);
    const command = `assetbridge copy --all --from ${A} --to ${B} --filter bulk-big --wait`;
    expect(all.stderr()).toContain(`interrupted: the 1 copies started go on at ${B}\nnext: ${command} (assets already there are skipped)`);
    const again = await assetbridge(command.split(' ').slice(1));
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse((await assetbridge(['assets', 'show', big, '--region', B, '--json'])).stdout)).toMatchObject({ asset_state: 'ACTIVED' });
  });
});
