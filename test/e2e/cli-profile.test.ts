import type { ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetbridge } from '../helpers/cli.js';
import { startLocalProcess, stopProcess, type LocalJson } from '../helpers/processes.js';

let dataDir = '';
let emptyDir = '';
let child: ChildProcess;
let local: LocalJson;
let configFile = '';
const A = 'cn-north-4';
const B = 'ap-southeast-3';

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'assetbridge-cli-profile-'));
  emptyDir = await mkdtemp(path.join(tmpdir(), 'assetbridge-cli-profile-empty-'));
  configFile = path.join(emptyDir, 'conf', 'config.json');
  ({ child, local } = await startLocalProcess(dataDir));
});
afterAll(async () => {
  await stopProcess(child);
  await rm(dataDir, { recursive: true, force: true });
  await rm(emptyDir, { recursive: true, force: true });
});

const endpointA = () => local.regions.find((r) => r.name === A)?.endpoint ?? '';

describe('assetbridge configure and the settings precedence', () => {
  it('writes a profile (0600) with every region and project id found from the server', async () => {
    const env = { ASSETBRIDGE_CLI_CONFIG: configFile, ASSETBRIDGE_DATA_DIR: emptyDir };
    const bare = await assetbridge(['configure'], env, '');
    expect(bare.stderr).toBe('error: --endpoint is required when stdin is not a terminal\nnext: assetbridge configure --endpoint URL --access-key AK < secret-key-file\n');
    const wrong = await assetbridge(['configure', '--profile', 'work', '--endpoint', endpointA(), '--access-key', local.access_key], env, 'not-the-secret\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: MSS\.\d+ \(401\)/);
    expect(() => statSync(configFile)).toThrow();

    const ok = await assetbridge(['configure', '--profile', 'work', '--endpoint', `${endpointA()}/`, '--access-key', local.access_key, '--json'], env, `${local.secret_key}\n`);
    expect(ok.code, ok.stderr).toBe(0);
    expect(statSync(configFile).mode & 0o777).toBe(0o600);
    const written = JSON.parse(readFileSync(configFile, 'utf8')) as { profiles: Record<string, { access_key: string; secret_key: string; regions: unknown[] }> };
    expect(written.profiles.work).toEqual({ access_key: local.access_key, secret_key: local.secret_key, regions: local.regions.map((r) => ({ name: r.name, endpoint: r.endpoint, project_id: r.project_id })) });

    const ls = await assetbridge(['assets', 'ls', '--profile', 'work', '--region', B], env);
    expect(ls.code, ls.stderr).toBe(0);
    const byEnv = await assetbridge(['assets', 'ls'], { ...env, ASSETBRIDGE_PROFILE: 'work' });
    expect(byEnv.code, byEnv.stderr).toBe(0);
    // The flag wins over ASSETBRIDGE_PROFILE.
    const flagWins = await assetbridge(['assets', 'ls', '--profile', 'other'], { ...env, ASSETBRIDGE_PROFILE: 'work' });
    expect(flagWins.stderr).toBe(`error: no profile "other" in ${configFile}\nnext: assetbridge configure --profile other\n`);
    // A selected profile is taken whole: keys in the environment do not change it.
    const whole = await assetbridge(['assets', 'ls', '--profile', 'work'], { ...env, ASSETBRIDGE_ACCESS_KEY: 'X'.repeat(20), ASSETBRIDGE_SECRET_KEY: 'wrong' });
    expect(whole.code, whole.stderr).toBe(0);
  });

  it('refuses one key variable without the other, naming the other', async () => {
    const sk = await assetbridge(['assets', 'ls'], { ASSETBRIDGE_DATA_DIR: dataDir, ASSETBRIDGE_SECRET_KEY: local.secret_key });
    expect(sk.code).toBe(1);
    expect(sk.stderr.split('\n')[0]).toBe('error: ASSETBRIDGE_SECRET_KEY is set but ASSETBRIDGE_ACCESS_KEY is not');
    const ak = await assetbridge(['assets', 'ls'], { ASSETBRIDGE_DATA_DIR: dataDir, ASSETBRIDGE_ACCESS_KEY: local.access_key });
    expect(ak.stderr.split('\n')[0]).toBe('error: ASSETBRIDGE_ACCESS_KEY is set but ASSETBRIDGE_SECRET_KEY is not');
  });

  it('lets the key and region variables replace those of local.json, each on its own', async () => {
    const base = { ASSETBRIDGE_DATA_DIR: dataDir };
    expect((await assetbridge(['assets', 'ls'], base)).code).toBe(0);
    const badKeys = await assetbridge(['assets', 'ls'], { ...base, ASSETBRIDGE_ACCESS_KEY: local.access_key, ASSETBRIDGE_SECRET_KEY: 'wrong-secret' });
    expect(badKeys.stderr).toMatch(/^error: MSS\.\d+ \(401\)/);
    const goodKeys = await assetbridge(['assets', 'ls'], { ...base, ASSETBRIDGE_ACCESS_KEY: local.access_key, ASSETBRIDGE_SECRET_KEY: local.secret_key });
    expect(goodKeys.code, goodKeys.stderr).toBe(0);
    const b = local.regions.find((r) => r.name === B);
    const onlyB = { ...base, ASSETBRIDGE_REGIONS: `${B}=${b?.endpoint}=${b?.project_id}` };
    expect((await assetbridge(['assets', 'ls', '--region', B], onlyB)).code).toBe(0);
    const noA = await assetbridge(['assets', 'ls', '--region', A], onlyB);
    expect(noA.stdout).toBe('');
    expect(noA.stderr).toBe(`error: no region "${A}" in the profile (known: ${B})\nnext: use one of: ${B}\n`);
  });

  it('prefers the profile "default" to local.json, and reads no other variable', async () => {
    const own = path.join(emptyDir, 'own.json');
    writeFileSync(own, JSON.stringify({ profiles: { default: { access_key: local.access_key, secret_key: 'stale', regions: local.regions } } }), { mode: 0o600 });
    const ls = await assetbridge(['assets', 'ls'], { ASSETBRIDGE_DATA_DIR: dataDir, ASSETBRIDGE_CLI_CONFIG: own });
    expect(ls.stderr).toMatch(/^error: MSS\.\d+ \(401\)/);
    const fixed = await assetbridge(['assets', 'ls'], { ASSETBRIDGE_DATA_DIR: dataDir, ASSETBRIDGE_CLI_CONFIG: own, ASSETBRIDGE_SECRET_KEY: local.secret_key, ASSETBRIDGE_ACCESS_KEY: local.access_key });
    expect(fixed.code, fixed.stderr).toBe(0);
    const source = ['profile.ts', 'output.ts', 'assets-commands.ts', 'file-commands.ts', 'copy-commands.ts', 'configure-command.ts']
      .map((f) => readFileSync(path.join('src/cli', f), 'utf8'))
      .join('\n');
    const read = [...new Set(source.match(/ASSETBRIDGE_[A-Z_]+/g))].sort();
    expect(read).toEqual(['ASSETBRIDGE_ACCESS_KEY', 'ASSETBRIDGE_CLI_CONFIG', 'ASSETBRIDGE_DATA_DIR', 'ASSETBRIDGE_PROFILE', 'ASSETBRIDGE_REGIONS', 'ASSETBRIDGE_SECRET_KEY']);
  });
});
