import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetbridge as run, spawnCli, until } from '../helpers/cli.js';
import { startLocalProcess, stopProcess } from '../helpers/processes.js';

let dataDir = '';
let child: ChildProcess;
const assetbridge = (args: string[]) => run(args, { ASSETBRIDGE_DATA_DIR: dataDir });
const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'assetbridge-cli-upload-'));
  ({ child } = await startLocalProcess(dataDir));
});
afterAll(async () => {
  await stopProcess(child);
  await rm(dataDir, { recursive: true, force: true });
});

type Shown = { asset_id: string; asset_state: string; files: { file_name: string; state: string; file_md5: string; file_size: number }[] };

describe('assetbridge upload', () => {
  it('checks every local file before creating anything', async () => {
    const there = path.join(dataDir, 'there.png');
    writeFileSync(there, randomBytes(1000));
    const up = await assetbridge(['upload', there, path.join(dataDir, 'missing.png'), '--type', 'IMAGE', '--name', 'checked-first']);
    expect(up.code).toBe(1);
    expect(up.stderr).toBe(`error: ${path.join(dataDir, 'missing.png')}: no such file\nnext: check the path and its permissions, then run the same command again\n`);
    const ls = JSON.parse((await assetbridge(['assets', 'ls', '--name', 'checked-first', '--json'])).stdout) as { count: number };
    expect(ls.count).toBe(0);
  });

  it('continues an upload cut by a server crash: keeps what is there, sends the rest again', async () => {
    // The MAIN file (first) is sent last: early.bin, then big.bin (cut), then main.bin.
    const main = randomBytes(100_000);
    const early = randomBytes(50_000);
    const big = randomBytes(64 * 1024 * 1024);
    const [mainFile, earlyFile, bigFile] = ['main.bin', 'early.bin', 'big.bin'].map((n) => path.join(dataDir, n)) as [string, string, string];
    writeFileSync(mainFile, main);
    writeFileSync(earlyFile, early);
    writeFileSync(bigFile, big);
    const args = ['upload', mainFile, earlyFile, bigFile, '--type', 'VIDEO', '--name', 'cut-short', '--json'];

    const first = spawnCli(args, { ASSETBRIDGE_DATA_DIR: dataDir });
    await until(() => first.stderr().includes('big.bin ['), 60_000, 'the upload of big.bin');
    child.kill('SIGKILL');
    expect(await first.exit).toBe(1);
    const failure = JSON.parse(first.stdout()) as { error: { code: string; message: string } };
    expect(failure.error.code).toBe('CLI.UNREACHABLE');
    expect(failure.error.message).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:\d+ /);
    ({ child } = await startLocalProcess(dataDir));

    const stuck = JSON.parse((await assetbridge(['assets', 'ls', '--name', 'cut-short', '--state', 'CREATING', '--json'])).stdout) as { assets: { asset_id: string }[] };
    expect(stuck.assets).toHaveLength(1);
    const id = stuck.assets[0]?.asset_id ?? '';

    // Other files than those declared: refused, naming the asset and how to start over.
    const otherFile = path.join(dataDir, 'other.bin');
    writeFileSync(otherFile, randomBytes(1000));
    const other = await assetbridge(['upload', mainFile, earlyFile, otherFile, '--type', 'VIDEO', '--name', 'cut-short']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`error: asset "cut-short" (${id}) is CREATING with other files declared (big.bin differ`);
    expect(other.stderr).toContain(`next: assetbridge assets rm ${id} --force`);

    const again = await assetbridge(args);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ asset_id: id, asset_state: 'ACTIVED', resumed: true });
    expect(again.stderr).toContain(`continuing the upload of ${id}`);
    expect(again.stderr).toContain('early.bin: already uploaded');
    expect(again.stderr).toContain('main.bin: uploaded');
    expect(again.stderr).toContain('big.bin: uploaded 64.0 MiB');

    const shown = JSON.parse((await assetbridge(['assets', 'show', id, '--json'])).stdout) as Shown;
    const files = shown.files.map((f) => [f.file_name, f.state, f.file_size, f.file_md5]).sort();
    expect(files).toEqual([
      ['big.bin', 'CREATED', big.length, md5(big)],
      ['early.bin', 'CREATED', early.length, md5(early)],
      ['main.bin', 'CREATED', main.length, md5(main)],
    ]);
    const all = JSON.parse((await assetbridge(['assets', 'ls', '--name', 'cut-short', '--json'])).stdout) as { count: number };
    expect(all.count).toBe(1);

    // Once ACTIVED, the same name is taken: the error names the asset.
    const taken = await assetbridge(['upload', mainFile, '--type', 'VIDEO', '--name', 'cut-short']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(`error: an asset named "cut-short" already exists: ${id} (ACTIVED)`);
  });
});
