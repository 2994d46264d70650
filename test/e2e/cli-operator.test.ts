import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIdentityConfig, SettingsReader } from '../../src/config/index.js';
import { openIdentity } from '../../src/start/identity.js';
import { assetbridge } from '../helpers/cli.js';

describe('operator commands', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'assetbridge-cli-'));
  const env = { ASSETBRIDGE_DATA_DIR: dir, ASSETBRIDGE_MASTER_KEY: randomBytes(32).toString('hex'), ASSETBRIDGE_IDENTITY_DATABASE_URL: `sqlite:${path.join(dir, 'identity.db')}` };
  const identity = () => openIdentity(parseIdentityConfig(new SettingsReader(env), dir));

  it('manages accounts, users, keys and projects on the identity store', async () => {
    const store = await identity();
    await store.registerRegion('cn-north-4', 'http://127.0.0.1:1');
    await store.close();

    const created = await assetbridge(['iam', 'account', 'create', 'acme', '--json'], env);
    expect(created.code).toBe(0);
    const account = JSON.parse(created.stdout) as { id: string; projects: { region: string; project_id: string }[] };
    expect(account.projects).toEqual([{ region: 'cn-north-4', project_id: expect.stringMatching(/^[0-9a-f]{32}$/) }]);
    const dup = await assetbridge(['iam', 'account', 'create', 'acme'], env);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already exists');
    expect(JSON.parse((await assetbridge(['iam', 'account', 'list', '--json'], env)).stdout)).toEqual([expect.objectContaining({ name: 'acme' })]);

    const user = JSON.parse((await assetbridge(['iam', 'user', 'create', '--account', 'acme', 'alice', '--json'], env)).stdout) as { password: string };
    expect(user.password.length).toBeGreaterThanOrEqual(8);
    const key = JSON.parse((await assetbridge(['iam', 'key', 'create', '--account', 'acme', '--user', 'alice', '--json'], env)).stdout) as { access_key: string; secret_key: string };
    expect(key.access_key).toMatch(/^[A-Z0-9]{20}$/);
    expect(key.secret_key).toHaveLength(40);
    const listed = await assetbridge(['iam', 'key', 'list', '--account', 'acme'], env);
    expect(listed.stdout).toContain(key.access_key);
    expect(listed.stdout).not.toContain(key.secret_key);

    let s = await identity();
    expect(await s.resolveAccessKey(key.access_key)).toEqual({ status: 'ok', accountId: account.id, secretKey: key.secret_key });
    await s.close();
    expect((await assetbridge(['iam', 'key', 'disable', key.access_key], env)).code).toBe(0);
    s = await identity();
    expect(await s.resolveAccessKey(key.access_key)).toEqual({ status: 'disabled' });
    await s.close();
    expect((await assetbridge(['iam', 'key', 'delete', key.access_key], env)).code).toBe(0);
    expect((await assetbridge(['iam', 'key', 'delete', key.access_key], env)).code).toBe(1);
    const projects = JSON.parse((await assetbridge(['iam', 'projects', '--account', 'acme', '--json'], env)).stdout) as unknown[];
    expect(projects).toEqual(account.projects);
    expect((await assetbridge(['iam', 'account', 'delete', 'acme'], env)).code).toBe(1);
    expect((await assetbridge(['iam', 'account', 'delete', 'acme', '--yes'], env)).code).toBe(0);
  });

  it('names the missing master key, and falls back to the local mode state', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'assetbridge-cli-'));
    const missing = await assetbridge(['iam', 'account', 'list'], { ASSETBRIDGE_DATA_DIR: empty, ASSETBRIDGE_MASTER_KEY: '' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('ASSETBRIDGE_MASTER_KEY');
    writeFileSync(path.join(empty, 'local-state.json'), JSON.stringify({ masterKey: randomBytes(32).toString('hex'), regions: {} }));
    const ok = await assetbridge(['iam', 'account', 'list', '--json'], { ASSETBRIDGE_DATA_DIR: empty, ASSETBRIDGE_MASTER_KEY: '' });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual([]);
  });

  it('edits the key ring: add, activate, retire, list (never printing keys)', async () => {
    const file = path.join(dir, 'ring.json');
    const k = { ASSETBRIDGE_KEYRING_FILE: file };
    expect((await assetbridge(['keys', 'add', 'k1', '--activate'], k)).code).toBe(0);
    const generated = (await assetbridge(['keys', 'generate'], k)).stdout.trim();
    expect(Buffer.from(generated, 'base64')).toHaveLength(16);
    expect((await assetbridge(['keys', 'add', 'k2', '--key', generated], k)).code).toBe(0);
    expect((await assetbridge(['keys', 'activate', 'k2'], k)).code).toBe(0);
    const retireActive = await assetbridge(['keys', 'retire', 'k2'], k);
    expect(retireActive.code).toBe(1);
    expect(retireActive.stderr).toContain('active');
    expect((await assetbridge(['keys', 'retire', 'k1'], k)).code).toBe(0);
    const list = await assetbridge(['keys', 'list', '--json'], k);
    expect(JSON.parse(list.stdout)).toEqual([{ id: 'k2', active: true }]);
    expect(list.stdout).not.toContain(generated);
    const bad = await assetbridge(['keys', 'add', 'k3', '--key', 'short'], k);
    expect(bad.code).toBe(1);
  });
});

describe('help', () => {
  it.each([
    ['assets', 'ls'], ['assets', 'show'], ['assets', 'create'], ['assets', 'rm'], ['assets', 'restore'], ['upload'], ['copy'],
    ['keys'], ['keys', 'add'], ['iam', 'key', 'create'],
  ])('%s %s --help shows an example', async (...words) => {
    const res = await assetbridge([...words.filter(Boolean), '--help'], {});
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Example|Rotation/);
  });
});
