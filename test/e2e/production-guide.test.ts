import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase } from '../helpers/backend.js';
import { cliEnv, cliScript, until } from '../helpers/cli.js';
import { freePort } from '../helpers/deployment.js';
import { stopProcess } from '../helpers/processes.js';
import { startS3Server, type TestS3Server } from '../helpers/s3-server.js';

/*
 * docs/production.md, run as written: its `guide:file:<machine>:<path>` blocks are written and
 * its `guide:run:<machine>:<step>` blocks run in bash, changing only hosts, ports, paths and
 * secrets (TLS is documented only: the public `https://` names become the API processes'
 * `http://` addresses). Region A listens on 127.0.0.1, region B on 127.0.0.2, each with its own data folder,
 * configuration and key ring; both on the local PostgreSQL (fresh databases) and one s3rver
 * holding the guide's two buckets. The processes are started as the guide's systemd unit
 * describes them (ExecStart, Environment, EnvironmentFile); the unit itself is checked by
 * `systemd-analyze verify` and never started.
 */

const guide = readFileSync('docs/production.md', 'utf8');
const readme = readFileSync('README.md', 'utf8');

type Where = 'a' | 'b' | 'each' | 'one' | 'client';
interface Block {
  kind: 'file' | 'run';
  where: Where;
  name: string;
  text: string;
}

/** The tagged blocks, at the top level or indented in a list (the indentation removed). */
function guideBlocks(markdown: string): Block[] {
  const found: Block[] = [];
  for (const m of markdown.matchAll(/^( *)```\w+ guide:(file|run):(a|b|each|one|client):(\S+)\n([\s\S]*?)^\1```$/gm)) {
    const indent = m[1] ?? '';
    const text = (m[5] ?? '').split('\n').map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line)).join('\n');
    found.push({ kind: m[2] as Block['kind'], where: m[3] as Where, name: m[4] ?? '', text });
  }
  return found;
}
const blocks = guideBlocks(guide);

/** The one block of that kind, place and name. */
function block(kind: Block['kind'], where: Where, name: string): string {
  const matches = blocks.filter((b) => b.kind === kind && b.where === where && b.name === name);
  if (matches.length !== 1) throw new Error(`docs/production.md needs exactly one guide:${kind}:${where}:${name} block (found ${matches.length})`);
  return matches[0]?.text ?? '';
}

/** Replaces every `from` in one pass (a replacement is never replaced again), longest first. */
function substitute(text: string, pairs: readonly (readonly [string, string])[]): string {
  const sorted = [...pairs].sort((x, y) => y[0].length - x[0].length);
  const pattern = new RegExp(sorted.map(([from]) => from.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'), 'g');
  return text.replace(pattern, (hit) => sorted.find(([from]) => from === hit)?.[1] ?? hit);
}

interface Machine {
  side: 'a' | 'b';
  region: string;
  host: string;
  apiPort: number;
  workerPort: number;
  root: string;
  urlSecret: string;
  databaseUrl: string;
}

let tmp = '';
let binDir = '';
let s3: TestS3Server;
const databases: { url: string; drop(): Promise<void> }[] = [];
let identityUrl = '';
let masterKey = '';
const machines = {} as Record<'a' | 'b', Machine>;
const processes: { name: string; child: ChildProcess; output: string }[] = [];

const shim = () => path.join(binDir, 'assetbridge');
const dir = (m: Machine, name: string) => path.join(m.root, name);

/** What changes between the guide and this machine: hosts, ports, paths and secrets. */
function localPairs(m: Machine): [string, string][] {
  const { a, b } = machines;
  const pg = (url: string) => new URL(url);
  const auth = (url: string) => {
    const u = pg(url);
    return u.password ? `${u.username}:${u.password}` : u.username;
  };
  return [
    ['https://assets-a.example.com', `http://${a.host}:${a.apiPort}`],
    ['https://assets-b.example.com', `http://${b.host}:${b.apiPort}`],
    ['https://s3.cn-north-4.example.com', s3.endpoint],
    ['https://s3.ap-southeast-3.example.com', s3.endpoint],
    ['assetbridge:<IDENTITY_DB_PASSWORD>', auth(identityUrl)],
    ['assetbridge:<REGION_DB_PASSWORD>', auth(m.databaseUrl)],
    ['pg-identity.example.internal:5432', pg(identityUrl).host],
    ['pg-a.example.internal:5432', pg(a.databaseUrl).host],
    ['pg-b.example.internal:5432', pg(b.databaseUrl).host],
    ['/assetbridge_identity', pg(identityUrl).pathname],
    ['/assetbridge_cn_north_4', pg(a.databaseUrl).pathname],
    ['/assetbridge_ap_southeast_3', pg(b.databaseUrl).pathname],
    ['<MASTER_KEY>', masterKey],
    ['<URL_SECRET>', m.urlSecret],
    ['<S3_ACCESS_KEY_ID>', s3.options.accessKeyId ?? ''],
    ['<S3_SECRET_ACCESS_KEY>', s3.options.secretAccessKey ?? ''],
    ['/etc/assetbridge', dir(m, 'etc')],
    ['/var/lib/assetbridge', dir(m, 'var-lib')],
    ['/etc/systemd/system', dir(m, 'systemd')],
    ['/usr/local/bin/assetbridge', shim()],
    ['127.0.0.1', m.host],
    ['8080', String(m.apiPort)],
    ['8090', String(m.workerPort)],
  ];
}

/** A guide text made local to machine `m`; nothing of the example deployment may remain. */
function local(text: string, m: Machine): string {
  const out = substitute(text, localPairs(m));
  expect(out).not.toMatch(/example\.(com|internal)|<[A-Z_]+>/);
  return out;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a script in bash (-e, -u, pipefail) with `assetbridge` on PATH and the test's ASSETBRIDGE_* variables removed. */
function bash(script: string, cwd: string, env: Record<string, string> = {}): Promise<Run> {
  mkdirSync(cwd, { recursive: true });
  return new Promise((resolve) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
      cwd,
      env: { ...cliEnv({}), PATH: `${binDir}:${process.env.PATH ?? ''}`, HOME: path.join(cwd, '.home'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function runOn(m: Machine, name: string, where: Where, env: Record<string, string> = {}): Promise<Run> {
  const run = await bash(local(block('run', where, name), m), dir(m, 'shell'), env);
  expect(run.code, `${name} on ${m.region}:\n${run.stdout}\n${run.stderr}`).toBe(0);
  return run;
}

/** Writes the guide's file block `name` for machine `m` (its own block, else the one for each machine) to its local path. */
function writeGuideFile(m: Machine, name: string): string {
  const own = blocks.some((b) => b.kind === 'file' && b.where === m.side && b.name === name);
  const file = substitute(name, localPairs(m));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, local(block('file', own ? m.side : 'each', name), m));
  return file;
}

/** ExecStart, Environment and EnvironmentFile of a unit's [Service] section, for instance `instance`. */
function unitService(unit: string, instance: string): { command: string[]; env: Record<string, string> } {
  const service = unit.split(/^\[Service\]$/m)[1]?.split(/^\[/m)[0] ?? '';
  const env: Record<string, string> = {};
  let command: string[] = [];
  const envLine = (line: string) => {
    const at = line.indexOf('=');
    if (at > 0 && !line.startsWith('#')) env[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  };
  for (const raw of service.split('\n')) {
    const line = raw.trim().replaceAll('%i', instance);
    if (line.startsWith('Environment=')) envLine(line.slice('Environment='.length));
    else if (line.startsWith('EnvironmentFile=')) for (const l of readFileSync(line.slice('EnvironmentFile='.length), 'utf8').split('\n')) envLine(l.trim());
    else if (line.startsWith('ExecStart=')) command = line.slice('ExecStart='.length).split(/\s+/);
  }
  return { command, env };
}

async function waitForHealth(url: string, what: { output: string; child: ChildProcess }): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (what.child.exitCode !== null) throw new Error(`exited:\n${what.output}`);
    const res = await fetch(url).catch(() => undefined);
    if (res?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`no answer from ${url}:\n${what.output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `assetbridge@<instance>` of machine `m` as its unit says, and waits for its /healthz. */
async function startInstance(m: Machine, instance: 'api' | 'worker'): Promise<void> {
  const unit = readFileSync(path.join(dir(m, 'systemd'), 'assetbridge@.service'), 'utf8');
  const { command, env } = unitService(unit, instance);
  const [program = '', ...args] = command;
  const child = spawn(program, args, { env: { ...cliEnv({}), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const started = { name: `${m.region} ${instance}`, child, output: '' };
  processes.push(started);
  child.stdout?.on('data', (d: Buffer) => (started.output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (started.output += d.toString()));
  await waitForHealth(`http://${env.ASSETBRIDGE_HOST}:${env.ASSETBRIDGE_PORT}/healthz`, started);
}

/** Stops every process (SIGTERM, as systemctl does) and starts them again as before. */
async function restartAll(): Promise<void> {
  for (const p of processes.splice(0)) await stopProcess(p.child);
  for (const m of [machines.a, machines.b]) {
    await startInstance(m, 'api');
    await startInstance(m, 'worker');
  }
}

/** The key ring as every process of both regions reports it on /readyz. */
async function ringsReported(): Promise<unknown[]> {
  const rings: unknown[] = [];
  for (const m of [machines.a, machines.b]) {
    for (const port of [m.apiPort, m.workerPort]) {
      const ready = (await (await fetch(`http://${m.host}:${port}/readyz`)).json()) as { status: string; key_ring: unknown };
      expect(ready.status).toBe('ready');
      rings.push(ready.key_ring);
    }
  }
  return rings;
}

/** Runs `assetbridge ARGS` on alice's computer (her profile). */
const client = (args: string) => bash(`assetbridge ${args}`, path.join(tmp, 'client'));

const sampleConfig = (side: 'a' | 'b') => JSON.parse(block('file', side, '/etc/assetbridge/assetbridge.json')) as Record<string, unknown>;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'assetbridge-guide-'));
  binDir = path.join(tmp, 'bin');
  mkdirSync(binDir);
  writeFileSync(shim(), `#!/bin/sh\nexec "${process.execPath}" "${cliScript}" "$@"\n`);
  chmodSync(shim(), 0o755);
  const buckets = [sampleConfig('a').S3_BUCKET, sampleConfig('b').S3_BUCKET].map(String);
  s3 = await startS3Server(buckets);
  for (let i = 0; i < 3; i++) databases.push(await createPgDatabase());
  identityUrl = databases[0]?.url ?? '';
  const machine = async (side: 'a' | 'b', host: string, databaseUrl: string): Promise<Machine> => ({
    side,
    region: String(sampleConfig(side).REGION),
    host,
    apiPort: await freePort(),
    workerPort: await freePort(),
    root: path.join(tmp, `machine-${side}`),
    urlSecret: '',
    databaseUrl,
  });
  machines.a = await machine('a', '127.0.0.1', databases[1]?.url ?? '');
  machines.b = await machine('b', '127.0.0.2', databases[2]?.url ?? '');
});

afterAll(async () => {
  for (const p of processes) await stopProcess(p.child);
  await s3?.close();
  for (const d of databases) await d.drop();
  await rm(tmp, { recursive: true, force: true });
});

describe('docs/production.md, followed on one machine', () => {
  it('names only settings of the README table, and its two sample configs split them in the three parts', () => {
    const named = new Set([...guide.matchAll(/ASSETBRIDGE_([A-Z0-9_]+)/g)].map((m) => m[1] ?? ''));
    const tableNames = new Set([...readme.matchAll(/^\| ([^|]+) \|/gm)].flatMap((m) => [...(m[1] ?? '').matchAll(/`([A-Z0-9_]+)`/g)].map((n) => n[1])));
    expect([...named].filter((n) => !tableNames.has(n))).toEqual([]);

    const [a, b] = [sampleConfig('a'), sampleConfig('b')];
    for (const key of ['MASTER_KEY', 'IDENTITY_DATABASE_URL', 'KEYRING_FILE']) expect(a[key], key).toEqual(b[key]);
    for (const key of ['REGION', 'DATABASE_URL', 'S3_BUCKET', 'S3_ENDPOINT', 'PUBLIC_ENDPOINT']) expect(a[key], key).not.toEqual(b[key]);
    expect(a.PEERS).toEqual({ [String(b.REGION)]: b.PUBLIC_ENDPOINT });
    expect(b.PEERS).toEqual({ [String(a.REGION)]: a.PUBLIC_ENDPOINT });
    for (const key of ['HOST', 'PORT', 'ROLE']) expect(a[key], key).toBeUndefined();
  });

  it('makes secrets of the right shape with its commands', async () => {
    const secrets = block('run', 'one', 'secrets');
    const lines = async () => {
      const run = await bash(secrets, tmp);
      expect(run.code, run.stderr).toBe(0);
      return run.stdout.trim().split('\n');
    };
    const [master = '', urlA = '', password = ''] = await lines();
    const [, urlB = ''] = await lines();
    expect(master).toMatch(/^[0-9a-f]{64}$/);
    expect(urlA.length).toBeGreaterThanOrEqual(32);
    expect(urlB).not.toBe(urlA);
    expect(password).toMatch(/^[0-9a-f]{48}$/);
    masterKey = master;
    machines.a.urlSecret = urlA;
    machines.b.urlSecret = urlB;
  });

  it('has a systemd unit that systemd-analyze verify accepts', async () => {
    for (const m of [machines.a, machines.b]) {
      for (const file of ['/etc/assetbridge/assetbridge.json', '/etc/assetbridge/api.env', '/etc/assetbridge/worker.env']) writeGuideFile(m, file);
      const unit = writeGuideFile(m, '/etc/systemd/system/assetbridge@.service');
      expect(readFileSync(unit, 'utf8')).toContain(`ExecStart=${shim()} serve --role %i`);
      const verify = await new Promise<Run>((resolve) =>
        // A missing systemd-analyze (package systemd) fails here with its ENOENT.
        execFile('systemd-analyze', ['verify', unit], (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr: stderr || (err?.message ?? '') })),
      );
      // Unknown or misspelt directives are only warnings: none may be printed.
      expect(verify, `${verify.stdout}${verify.stderr}`).toMatchObject({ code: 0, stderr: '' });
    }
  });

  it('starts a region with peers and no key ring only with a warning and /readyz 503', async () => {
    const { a } = machines;
    await startInstance(a, 'api');
    const ready = await fetch(`http://${a.host}:${a.apiPort}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable', key_ring: { loaded: false, required: true } });
    await until(() => processes[0]?.output.includes('peers are configured but there is no key ring') ?? false, 10_000, 'the warning');
    for (const p of processes.splice(0)) await stopProcess(p.child);
  });

  it("gives every region the same key ring with the guide's commands", async () => {
    const generated = await bash(`${block('run', 'one', 'key-generate')}\nprintf '%s' "$KEY"`, tmp);
    expect(generated.code, generated.stderr).toBe(0);
    const key = generated.stdout;
    expect(Buffer.from(key, 'base64')).toHaveLength(16);
    for (const m of [machines.a, machines.b]) {
      const run = await runOn(m, 'key-add', 'each', { KEY: key });
      expect(run.stdout).toContain('k1  (active)');
      const ring = path.join(dir(m, 'var-lib'), 'keyring.json');
      expect(statSync(ring).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(ring, 'utf8'))).toEqual({ active: 'k1', keys: { k1: key } });
    }
  });

  it('starts both regions as the unit runs them, ready by their health checks', async () => {
    for (const m of [machines.a, machines.b]) {
      await startInstance(m, 'api');
      await startInstance(m, 'worker');
    }
    for (const m of [machines.a, machines.b]) {
      const run = await runOn(m, 'health', 'each');
      const [live, apiReady, workerReady] = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(live).toEqual({ status: 'ok', region: m.region, role: 'api' });
      const ring = { loaded: true, required: true, active_key: 'k1', keys: ['k1'] };
      expect(apiReady).toMatchObject({ status: 'ready', region: m.region, role: 'api', key_ring: ring });
      expect(workerReady).toMatchObject({ status: 'ready', region: m.region, role: 'worker', key_ring: ring });
    }
    for (const p of processes) expect(p.output, p.name).not.toContain('no key ring');
  });

  it('sets up an account, a user and a key; the client uploads, copies and downloads the same bytes', async () => {
    const { a, b } = machines;
    const accounts = await runOn(a, 'accounts', 'one');
    for (const m of [a, b]) {
      expect(accounts.stdout).toContain(`${m.region}  http://${m.host}:${m.apiPort}\n`);
      expect(accounts.stdout).toMatch(new RegExp(`\\n  ${m.region}: project [0-9a-f]{32}\\n`));
    }
    expect(accounts.stdout).toMatch(/account acme \([0-9a-f]{32}\)\n/);
    expect(accounts.stdout).toMatch(/user alice \([0-9a-f]{32}\)\npassword \(shown once\): \S+/);
    const keyFile = path.join(dir(a, 'shell'), 'alice-key.json');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    // Handed to alice's computer.
    const clientDir = path.join(tmp, 'client');
    mkdirSync(clientDir);
    copyFileSync(keyFile, path.join(clientDir, 'alice-key.json'));
    const original = randomBytes(20 * 1024 * 1024 + 12_345);
    writeFileSync(path.join(clientDir, 'brand-kit.zip'), original);

    const configure = await bash(local(block('run', 'client', 'configure'), a), clientDir);
    expect(configure.code, configure.stderr).toBe(0);
    expect(configure.stdout).toContain(`profile "default" written to ${path.join(clientDir, '.home', '.config', 'assetbridge', 'config.json')}`);
    expect(configure.stdout).toContain(`  ${b.region}  http://${b.host}:${b.apiPort}  project `);

    const copy = await bash(local(block('run', 'client', 'copy'), a), clientDir);
    expect(copy.code, `${copy.stdout}\n${copy.stderr}`).toBe(0);
    expect(copy.stdout).toMatch(new RegExp(`[0-9a-f]{32}: ACTIVED in ${b.region} \\(1 files, `));
    expect(copy.stdout.trim().split('\n').at(-1)).toBe('the copy is the same, byte for byte');
    expect(readFileSync(path.join(clientDir, 'brand-kit-from-ap-southeast-3.zip')).equals(original)).toBe(true);

    // Each region stored the bytes in its own bucket.
    const s3client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    try {
      for (const m of [a, b]) {
        const listed = await s3client.send(new ListObjectsV2Command({ Bucket: String(sampleConfig(m.side).S3_BUCKET) }));
        expect(listed.Contents?.map((o) => o.Size), m.region).toContain(original.length);
      }
    } finally {
      s3client.destroy();
    }
  });

  it('rotates the key ring with its commands, copies working at every step', async () => {
    const { a, b } = machines;
    const copyOnce = async (name: string): Promise<void> => {
      writeFileSync(path.join(tmp, 'client', name), randomBytes(64 * 1024));
      const up = await client(`upload ${name} --type COMMON_FILE --region ${a.region} --json`);
      expect(up.code, up.stderr).toBe(0);
      const id = (JSON.parse(up.stdout) as { asset_id: string }).asset_id;
      const copied = await client(`copy ${id} --from ${a.region} --to ${b.region} --wait`);
      expect(copied.code, copied.stderr).toBe(0);
      expect(copied.stdout).toContain(`${id}: ACTIVED in ${b.region}`);
    };
    const seals = async (key: string): Promise<number> => {
      const text = await (await fetch(`http://${a.host}:${a.apiPort}/metrics`)).text();
      return Number(new RegExp(`^assetbridge_replication_seals\\{[^}]*key_id="${key}"[^}]*\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    };

    const generated = await bash(`${block('run', 'one', 'key-generate')}\nprintf '%s' "$KEY"`, tmp);
    expect(generated.code, generated.stderr).toBe(0);
    for (const m of [a, b]) await runOn(m, 'rotate-add', 'each', { KEY: generated.stdout });
    await restartAll();
    expect(new Set((await ringsReported()).map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify({ loaded: true, required: true, active_key: 'k1', keys: ['k1', 'k2'] })]));
    await copyOnce('during-rotation.bin');
    expect(await seals('k1')).toBe(1);

    for (const m of [a, b]) await runOn(m, 'rotate-activate', 'each');
    await restartAll();
    expect(new Set((await ringsReported()).map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify({ loaded: true, required: true, active_key: 'k2', keys: ['k1', 'k2'] })]));
    await copyOnce('after-activation.bin');
    expect(await seals('k2')).toBe(1);

    for (const m of [a, b]) {
      const retired = await runOn(m, 'rotate-retire', 'each');
      expect(retired.stdout.trim().split('\n').at(-1)).toBe('k2  (active)');
    }
    await restartAll();
    expect(new Set((await ringsReported()).map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify({ loaded: true, required: true, active_key: 'k2', keys: ['k2'] })]));
    await copyOnce('after-retirement.bin');
    expect(await seals('k2')).toBe(1);
  });

  it("allows CORS from the other region's public endpoint, and not from elsewhere", async () => {
    const { a, b } = machines;
    const cors = await runOn(a, 'cors', 'one');
    expect(cors.stdout.trim().toLowerCase()).toBe(`access-control-allow-origin: http://${b.host}:${b.apiPort}`);
    const foreign = await fetch(`http://${a.host}:${a.apiPort}/v3/auth/tokens`, {
      method: 'OPTIONS',
      headers: { origin: 'https://elsewhere.example.org', 'access-control-request-method': 'POST' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});
