import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetbridge as run, uploadBytes } from '../helpers/cli.js';
import { startLocalProcess, stopProcess } from '../helpers/processes.js';

let dataDir = '';
let child: ChildProcess;
const assetbridge = (args: string[]) => run(args, { ASSETBRIDGE_DATA_DIR: dataDir });

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'assetbridge-cli-download-'));
  ({ child } = await startLocalProcess(dataDir));
});
afterAll(async () => {
  await stopProcess(child);
  await rm(dataDir, { recursive: true, force: true });
});

describe('assetbridge download', () => {
  it('downloads, resumes a partial file with Range, and verifies size and MD5', async () => {
    const bytes = randomBytes(3 * 1024 * 1024);
    const id = await uploadBytes(dataDir, 'to-download', bytes);
    const whole = path.join(dataDir, 'whole.bin');
    const first = await assetbridge(['download', id, '-o', whole]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`${whole}: 3.0 MiB, MD5 verified\n`);
    expect(first.stderr).toMatch(/to-download\.bin \[#+\] 100% .* ETA /);
    expect(readFileSync(whole).equals(bytes)).toBe(true);

    const partial = path.join(dataDir, 'partial.bin');
    writeFileSync(partial, bytes.subarray(0, 1024 * 1024));
    const resumed = await assetbridge(['download', id, '--file', 'to-download.bin', '-o', partial, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resuming ${partial} at 1.0 MiB`);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ asset_id: id, size: bytes.length, resumed_at: 1024 * 1024 });
    expect(readFileSync(partial).equals(bytes)).toBe(true);

    const wrong = path.join(dataDir, 'wrong.bin');
    writeFileSync(wrong, randomBytes(1024 * 1024));
    const bad = await assetbridge(['download', id, '-o', wrong]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`\nerror: ${wrong} does not match to-download\\.bin \\(3145728 of 3145728 bytes, MD5 .*\\)\\nnext: delete ${wrong} and run the same command again\\n$`));

    const noSuch = await assetbridge(['download', id, '--file', 'nope.txt', '--json']);
    expect(JSON.parse(noSuch.stdout)).toEqual({
      error: { code: 'CLI.NO_FILE', message: `asset ${id} has no file named "nope.txt" (files: to-download.bin)`, request_id: null, next: `assetbridge assets show ${id}` },
    });
  });
});
