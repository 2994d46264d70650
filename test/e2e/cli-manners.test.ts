import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
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
const assetbridge = (args: string[], env: Record<string, string> = {}) => run(args, { ASSETBRIDGE_DATA_DIR: dataDir, ...env });
const noStack = (text: string) => expect(text).not.toMatch(/^\s+at /m);

const upload = (name: string, bytes: Buffer) => uploadBytes(dataDir, name, bytes);

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'assetbridge-cli-manners-'));
  ({ child, local } = await startLocalProcess(dataDir));
});
afterAll(async () => {
  await stopProcess(child);
  await rm(dataDir, { recursive: true, force: true });
});

describe('assetbridge output and errors', () => {
  it('prints its version, and a usage error as one error line and one next line', async () => {
    const version = await assetbridge(['--version']);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
    const missing = await assetbridge(['upload', '--type', 'IMAGE']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("error: missing required argument 'files'\nnext: assetbridge upload --help\n");
    const json = await assetbridge(['upload', '--type', 'IMAGE', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'CLI.USAGE', message: "missing required argument 'files'", request_id: null, next: 'assetbridge upload --help' } });
    expect(json.stderr).toBe('');
    const typo = await assetbridge(['assets', 'lss']);
    expect(typo.stderr).toBe("error: unknown command 'lss' (Did you mean ls?)\nnext: assetbridge assets --help\n");
  });

  it('lists the allowed values in help and errors, and takes them in any case', async () => {
    const help = await assetbridge(['upload', '--help']);
    expect(help.stdout).toContain('IMAGE, PPT');
    const wrong = await assetbridge(['assets', 'create', 'x', '--type', 'picture']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: .*'picture' is invalid\. allowed: HUMAN_MODEL, .*IMAGE.*\nnext: assetbridge assets create --help\n$/);
    const lower = await assetbridge(['assets', 'create', 'lower-case-type', '--type', 'image', '--json']);
    expect(lower.code, lower.stderr).toBe(0);
    const shown = JSON.parse((await assetbridge(['assets', 'show', (JSON.parse(lower.stdout) as { asset_id: string }).asset_id, '--json'])).stdout) as { asset_type: string };
    expect(shown.asset_type).toBe('IMAGE');
  });

  it('takes full ids only, and names the exact command in next', async () => {
    const id = await upload('full-ids', randomBytes(10_000));
    const prefix = await assetbridge(['assets', 'show', id.slice(0, 8)]);
    expect(prefix.code).toBe(1);
    expect(prefix.stderr).toContain('an asset id is 32 hex characters');
    const restore = await assetbridge(['assets', 'restore', id, '--region', A]);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toMatch(/^error: MSS\.10002001 \(409\): .* \[request [\w-]+\]\n/);
    expect(restore.stderr).toContain(`next: look at the asset's state: assetbridge assets show ${id} --region ${A}\n`);
    const ls = await assetbridge(['assets', 'ls', '--name', 'full-ids']);
    expect(ls.stdout).toContain(id);
  });

  it('answers under --json with exactly one JSON document, errors included', async () => {
    const missing = await assetbridge(['assets', 'show', 'f'.repeat(32), '--json']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('');
    const doc = JSON.parse(missing.stdout) as { error: { code: string; message: string; request_id: string; next: string } };
    expect(doc.error.code).toBe('MSS.10001001');
    expect(doc.error.request_id).toMatch(/\S+/);
    expect(doc.error.next).toBe('find the asset\'s full id with assetbridge assets ls');
    const noFile = await assetbridge(['upload', path.join(dataDir, 'nothing-here.png'), '--type', 'IMAGE', '--json']);
    expect(JSON.parse(noFile.stdout)).toMatchObject({ error: { code: 'CLI.LOCAL_FILE', message: expect.stringContaining('nothing-here.png: no such file') as string } });
  });

  it('names the endpoint of a server that does not answer, with no stack trace unless --debug', async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const env = { ASSETBRIDGE_ACCESS_KEY: local.access_key, ASSETBRIDGE_SECRET_KEY: local.secret_key, ASSETBRIDGE_REGIONS: `${A}=http://127.0.0.1:${port}=${local.regions[0]?.project_id}` };
    const down = await assetbridge(['assets', 'ls'], env);
    expect(down.code).toBe(1);
    expect(down.stderr.split('\n')[0]).toMatch(new RegExp(`^error: cannot reach http://127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\)$`));
    expect(down.stderr.split('\n')[1]).toMatch(/^next: start the server/);
    noStack(down.stderr);
    const debug = await assetbridge(['assets', 'ls', '--debug'], env);
    expect(debug.stderr).toMatch(/^\s+at /m);
  });

  it('draws progress with speed and ETA, and nothing on stderr under --quiet', async () => {
    const file = path.join(dataDir, 'progress.bin');
    writeFileSync(file, randomBytes(1024 * 1024));
    const up = await assetbridge(['upload', file, '--type', 'VIDEO', '--name', 'progress-shown']);
    expect(up.code).toBe(0);
    expect(up.stderr).toMatch(/100% 1\.0 MiB\/1\.0 MiB [\d.]+ (B|KiB|MiB|GiB)\/s ETA \d+s/);
    expect(up.stdout).toMatch(/^asset [0-9a-f]{32} is ACTIVED\n$/);
    const quiet = await assetbridge(['upload', file, '--type', 'VIDEO', '--name', 'progress-quiet', '--quiet']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toMatch(/^asset [0-9a-f]{32} is ACTIVED\n$/);
  });

  it('prints the result of copy --wait on stdout, with a bar showing speed and ETA', async () => {
    const id = await upload('wait-stdout', randomBytes(200_000));
    const copy = await assetbridge(['copy', id, '--from', A, '--to', B, '--wait']);
    expect(copy.code, copy.stderr).toBe(0);
    expect(copy.stdout).toBe(`${id}: ACTIVED in ${B} (1 files, 195.3 KiB)\n`);
    expect(copy.stderr).toContain(`${id} ${A} -> ${B} [`);
    expect(copy.stderr).toMatch(/\/s ETA /);
  });

  it('says on Ctrl-C during copy --wait that the copy goes on, and the printed command re-attaches', async () => {
    const id = await upload('interrupted-copy', randomBytes(48 * 1024 * 1024));
    const copy = spawnCli(['copy', id, '--from', A, '--to', B, '--wait'], { ASSETBRIDGE_DATA_DIR: dataDir });
    await until(() => copy.stderr().includes(`${id} ${A} -> ${B} [`), 30_000, 'the progress bar');
    copy.child.kill('SIGINT');
    expect(await copy.exit).toBe(130);
    const command = `assetbridge copy ${id} --from ${A} --to ${B} --wait`;
    expect(copy.stderr()).toContain(`interrupted: the copy of ${id} goes on at ${B}\nnext: ${command}`);
    const again = await assetbridge(command.split(' ').slice(1));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`${id}: ACTIVED in ${B}`);
  });
});
