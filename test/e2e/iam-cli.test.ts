import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { beforeEach, describe, expect, it } from 'vitest';
import { registerIamCommands } from '../../src/cli/iam-commands.js';
import { parseIdentityConfig, SettingsReader } from '../../src/config/index.js';
import { openIdentity } from '../../src/start/identity.js';
import type { IdentityService } from '../../src/services/identity/identity-service.js';

// The JSON flow (create/list/duplicate/projects/resolve) is in cli-operator.test.ts; this file
// covers text output, enable, regions, refusals and setup mistakes.
const run = promisify(execFile);
const cli = path.resolve('dist/cli/main.js');
const hexKey = () => randomBytes(32).toString('hex');
const tempDir = () => mkdtempSync(path.join(tmpdir(), 'assetbridge-iam-'));

/** Runs the built CLI with only the given ASSETBRIDGE_ settings, `input` piped to it; never rejects. */
async function iam(args: string[], env: Record<string, string>, input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ASSETBRIDGE_')));
  try {
    const running = run(process.execPath, [cli, 'iam', ...args], { env: { ...clean, ...env } });
    running.child.stdin?.end(input);
    const { stdout, stderr } = await running;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** An operator mistake: exit 1, one `error:` line naming it, no stack. */
function expectRefused(result: { code: number; stderr: string }, message: string): void {
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`error: ${message}`);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

async function withStore<T>(env: Record<string, string>, dir: string, use: (identity: IdentityService) => Promise<T>): Promise<T> {
  const identity = await openIdentity(parseIdentityConfig(new SettingsReader(env), dir));
  try {
    return await use(identity);
  } finally {
    await identity.close();
  }
}

describe('assetbridge iam', () => {
  // A store of its own for each test, so that none depends on another's accounts.
  let dir: string;
  let env: Record<string, string>;
  beforeEach(() => {
    dir = tempDir();
    env = { ASSETBRIDGE_DATA_DIR: dir, ASSETBRIDGE_MASTER_KEY: hexKey(), ASSETBRIDGE_IDENTITY_DATABASE_URL: `sqlite:${path.join(dir, 'identity.db')}` };
  });
  const createStudio = async () => expect((await iam(['account', 'create', 'studio'], env)).code).toBe(0);

  it('creates accounts, users and keys with text output; enable undoes disable', async () => {
    const created = await iam(['account', 'create', 'studio'], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^account studio \([0-9a-f]{32}\)\n {2}\(no regions yet/);
    expectRefused(await iam(['account', 'create', 'studio'], env), 'account "studio" already exists');
    expectRefused(await iam(['account', 'create', '9lives'], env), 'account names are');

    const user = await iam(['user', 'create', '--account', 'studio', 'alice'], env);
    expect(user.stdout).toMatch(/password \(shown once\): [A-Za-z0-9]{20}\n/);
    const given = await iam(['user', 'create', '--account', 'studio', 'bob', '--password', 'correct horse', '--json'], env);
    expect(JSON.parse(given.stdout)).not.toHaveProperty('password');
    expect((await iam(['user', 'list', '--account', 'studio'], env)).stdout).toMatch(/^alice {2}[0-9a-f]{32}\nbob {2}/);
    expectRefused(await iam(['user', 'list', '--account', 'nobody'], env), 'no account named "nobody"');

    const key = await iam(['key', 'create', '--account', 'studio', '--user', 'alice', '--description', 'render farm'], env);
    expect(key.stdout).toContain('(the secret key is shown once)');
    const ak = /access key: ([A-Z0-9]{20})/.exec(key.stdout)?.[1] ?? '';
    const sk = /secret key: ([A-Za-z0-9]{40})/.exec(key.stdout)?.[1] ?? '';
    expect(ak).not.toBe('');
    const listed = await iam(['key', 'list', '--account', 'studio'], env);
    expect(listed.stdout).toBe(`${ak}  enabled   render farm\n`);
    const listedJson = await iam(['key', 'list', '--account', 'studio', '--json'], env);
    expect(listedJson.stdout).not.toContain(sk);
    expectRefused(await iam(['key', 'create', '--account', 'studio', '--user', 'zed'], env), 'no user "zed" in account "studio"');

    expect((await iam(['key', 'disable', ak], env)).stdout).toBe(`${ak} disabled\n`);
    expect(await withStore(env, dir, (s) => s.resolveAccessKey(ak))).toEqual({ status: 'disabled' });
    expect((await iam(['key', 'list', '--account', 'studio'], env)).stdout).toContain(`${ak}  disabled`);
    expect((await iam(['key', 'enable', ak], env)).code).toBe(0);
    expect(await withStore(env, dir, (s) => s.resolveAccessKey(ak))).toMatchObject({ status: 'ok', secretKey: sk });
    expect((await iam(['key', 'delete', ak], env)).code).toBe(0);
    expect(await withStore(env, dir, (s) => s.resolveAccessKey(ak))).toEqual({ status: 'unknown' });
    expectRefused(await iam(['key', 'enable', ak], env), `no access key ${ak}`);
    expect((await iam(['key', 'list', '--account', 'studio'], env)).stdout).toBe('(no access keys)\n');
  });

  it('disables, enables and deletes users, and sets a password read from stdin', async () => {
    await createStudio();
    await withStore(env, dir, async (s) => {
      await s.registerRegion('cn-north-4', 'http://127.0.0.1:2');
      await s.createUser('studio', 'alice', 'first passphrase');
    });
    const signIn = (password: string) =>
      withStore(env, dir, (s) => s.issueToken({ domainName: 'studio', userName: 'alice', password, scope: { projectName: 'cn-north-4' } }));
    const { claims } = await signIn('first passphrase');

    expect((await iam(['user', 'disable', '--account', 'studio', 'alice'], env)).stdout).toBe('user alice disabled\n');
    expect((await iam(['user', 'list', '--account', 'studio'], env)).stdout).toMatch(/^alice {2}[0-9a-f]{32} {2}disabled\n$/);
    await expect(signIn('first passphrase')).rejects.toThrow(/authentication/i);
    expect(await withStore(env, dir, (s) => s.revokedToken(claims))).toBe('the user is disabled');
    expect((await iam(['user', 'enable', '--account', 'studio', 'alice'], env)).stdout).toBe('user alice enabled\n');
    expect(await withStore(env, dir, (s) => s.revokedToken(claims))).toBeUndefined();

    const changed = await iam(['user', 'set-password', '--account', 'studio', 'alice'], env, 'second passphrase\n');
    expect(changed).toMatchObject({ code: 0, stdout: 'password of user alice changed\n' });
    await expect(signIn('first passphrase')).rejects.toThrow(/authentication/i);
    expect((await signIn('second passphrase')).claims.userName).toBe('alice');
    expect(await withStore(env, dir, (s) => s.revokedToken(claims))).toBe("the user's password changed after the token was issued");
    expectRefused(await iam(['user', 'set-password', '--account', 'studio', 'alice'], env, 'short\n'), 'passwords are 8 to 128 characters');
    expectRefused(await iam(['user', 'set-password', '--account', 'studio', 'nobody'], env, 'long enough\n'), 'no user "nobody" in account "studio"');
    await signIn('second passphrase');

    const key = JSON.parse((await iam(['key', 'create', '--account', 'studio', '--user', 'alice', '--json'], env)).stdout) as { access_key: string };
    expect((await iam(['user', 'delete', '--account', 'studio', 'alice'], env)).stdout).toBe('user alice deleted\n');
    expect((await iam(['user', 'list', '--account', 'studio'], env)).stdout).toBe('(no users)\n');
    expect(await withStore(env, dir, (s) => s.resolveAccessKey(key.access_key))).toEqual({ status: 'unknown' });
    expect(await withStore(env, dir, (s) => s.revokedToken(claims))).toBe('the user no longer exists');
    expectRefused(await iam(['user', 'disable', '--account', 'studio', 'alice'], env), 'no user "alice" in account "studio"');
  });

  it('lists regions, and an existing account gets a project when a region registers', async () => {
    await createStudio();
    expect((await iam(['regions'], env)).stdout).toContain('(no regions');
    await withStore(env, dir, (s) => s.registerRegion('ap-southeast-3', 'http://127.0.0.1:2'));
    expect(JSON.parse((await iam(['regions', '--json'], env)).stdout)).toEqual([{ name: 'ap-southeast-3', endpoint: 'http://127.0.0.1:2' }]);
    expect((await iam(['regions'], env)).stdout).toBe('ap-southeast-3  http://127.0.0.1:2\n');
    const projects = JSON.parse((await iam(['projects', '--account', 'studio', '--json'], env)).stdout) as unknown;
    expect(projects).toEqual([{ region: 'ap-southeast-3', project_id: expect.stringMatching(/^[0-9a-f]{32}$/) }]);
  });

  it('refuses to delete an account without --yes, before touching the store', async () => {
    await createStudio();
    // No usable settings: had it opened the store, this would be exit 2.
    expectRefused(await iam(['account', 'delete', 'studio'], { ASSETBRIDGE_DATA_DIR: tempDir() }), 'refusing to delete account "studio" without --yes');
    expect((await iam(['account', 'list'], env)).stdout).toContain('studio');
    expect((await iam(['account', 'delete', 'studio', '--yes'], env)).stdout).toBe('deleted account studio\n');
    expect((await iam(['account', 'list'], env)).stdout).toBe('(no accounts)\n');
  });

  it('names what is wrong with the settings (exit 2, no stack)', async () => {
    const empty = tempDir();
    const noKey = await iam(['account', 'list'], { ASSETBRIDGE_DATA_DIR: empty });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('ASSETBRIDGE_MASTER_KEY is required');

    writeFileSync(path.join(empty, 'local-state.json'), '{"regions":{}}');
    const keyless = await iam(['account', 'list'], { ASSETBRIDGE_DATA_DIR: empty });
    expect(keyless.code).toBe(2);
    expect(keyless.stderr).toContain('local-state.json has no masterKey');

    writeFileSync(path.join(empty, 'local-state.json'), '{broken');
    const broken = await iam(['account', 'list'], { ASSETBRIDGE_DATA_DIR: empty });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('does not read as JSON');

    await createStudio();
    const wrong = await iam(['account', 'list'], { ...env, ASSETBRIDGE_MASTER_KEY: hexKey() });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('ASSETBRIDGE_MASTER_KEY does not open the identity store');
    expect(wrong.stderr).not.toMatch(/^\s+at /m);
  });

  it('uses the local mode store when no master key is set', async () => {
    const local = tempDir();
    const masterKey = hexKey();
    writeFileSync(path.join(local, 'local-state.json'), JSON.stringify({ masterKey, regions: {} }));
    const localEnv = { ASSETBRIDGE_DATA_DIR: local };
    expect((await iam(['account', 'create', 'demo'], localEnv)).code).toBe(0);
    expect(JSON.parse((await iam(['account', 'list', '--json'], localEnv)).stdout)).toEqual([expect.objectContaining({ name: 'demo' })]);
    // The same store the local mode opens: sqlite:<data dir>/identity.db under the state's key.
    const names = await withStore({ ASSETBRIDGE_MASTER_KEY: masterKey }, local, async (s) => (await s.listAccounts()).map((a) => a.name));
    expect(names).toEqual(['demo']);
  });

  it('gives every command a description and an example', () => {
    const program = new Command('assetbridge');
    registerIamCommands(program);
    const leaves: Command[] = [];
    const walk = (c: Command): void => (c.commands.length ? c.commands.forEach(walk) : void leaves.push(c));
    walk(program);
    const pathOf = (c: Command): string => (c.parent && c.parent !== program ? `${pathOf(c.parent)} ${c.name()}` : c.name());
    // The operator's commands (docs: README "Accounts and keys"); more may come, none may go.
    expect(leaves.map(pathOf)).toEqual(expect.arrayContaining([
      'iam account create', 'iam account list', 'iam account delete', 'iam user create', 'iam user list',
      'iam key create', 'iam key list', 'iam key enable', 'iam key disable', 'iam key delete', 'iam projects', 'iam regions',
    ]));
    for (const leaf of leaves) {
      let help = '';
      leaf.configureOutput({ writeOut: (s) => (help += s) });
      leaf.outputHelp();
      expect(leaf.description(), leaf.name()).not.toBe('');
      expect(help, leaf.name()).toContain('Example:\n  assetbridge iam ');
    }
  });
});
