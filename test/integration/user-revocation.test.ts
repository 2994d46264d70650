import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityRecheckMs } from '../../src/services/identity/identity-service.js';
import { issueToken, TokenClient, type ApiClient, type ApiResponse } from '../helpers/api-client.js';
import { startTestRegion, type TestAccount, type TestRegion } from '../helpers/test-region.js';

/**
 * Disabling or deleting a user, changing its password, or disabling a key takes effect in a
 * running region within the documented bound (`identityRecheckMs`, 2 s): lookups are
 * remembered that long, never longer. Each test measures how long the refusal took.
 */

let t: TestRegion;

beforeAll(async () => {
  t = await startTestRegion();
});
afterAll(async () => {
  await t?.close();
});

const list = (client: ApiClient) => client.call('GET', '/digital-assets', { query: { limit: '1' } });
const tokenClient = async (a: TestAccount, password = a.password) =>
  new TokenClient(t.endpoint, a.projectId, await issueToken(t.endpoint, { ...a, password }));

/**
 * Polls until `request` answers `status`; returns that answer and how long after `since` it came.
 * Fails when it takes longer than the bound (plus the time of one request).
 */
async function answersWithin(request: () => Promise<ApiResponse>, status: number, since: number): Promise<{ res: ApiResponse; ms: number }> {
  const limit = since + identityRecheckMs + 1_000;
  for (;;) {
    const res = await request();
    if (res.status === status) return { res, ms: Date.now() - since };
    if (Date.now() > limit) throw new Error(`still ${res.status} ${JSON.stringify(res.body)} ${Date.now() - since} ms after the change`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const expectCode = (res: ApiResponse, code: string, message: RegExp) => {
  expect(res.body.error_code).toBe(code);
  expect(res.body.error_msg).toMatch(message);
};

describe('a disabled user', () => {
  it("has its tokens and keys refused within the bound, cannot sign in, and works again once enabled", async () => {
    const a = await t.addAccount();
    const byToken = await tokenClient(a);
    expect((await list(byToken)).status).toBe(200);
    expect((await list(a.client)).status).toBe(200);

    const at = Date.now();
    await t.identity.setUserEnabled(a.name, a.userName, false);
    const token = await answersWithin(() => list(byToken), 401, at);
    expectCode(token.res, 'MSS.00010008', /the user is disabled/);
    const key = await answersWithin(() => list(a.client), 401, at);
    expectCode(key.res, 'MSS.00010010', /the access key is disabled/);
    expect(Math.max(token.ms, key.ms)).toBeLessThanOrEqual(identityRecheckMs + 1_000);
    await expect(tokenClient(a)).rejects.toThrow(/token: 401/);

    const back = Date.now();
    await t.identity.setUserEnabled(a.name, a.userName, true);
    await answersWithin(() => list(byToken), 200, back);
    await answersWithin(() => list(a.client), 200, back);
  });
});

describe('a deleted user', () => {
  it('has its tokens refused and its keys gone within the bound', async () => {
    const a = await t.addAccount();
    const byToken = await tokenClient(a);
    expect((await list(byToken)).status).toBe(200);
    expect((await list(a.client)).status).toBe(200);

    const at = Date.now();
    await t.identity.deleteUser(a.name, a.userName);
    expectCode((await answersWithin(() => list(byToken), 401, at)).res, 'MSS.00010008', /the user no longer exists/);
    expectCode((await answersWithin(() => list(a.client), 401, at)).res, 'MSS.00010010', /unknown access key/);
    expect(await t.identity.listCredentials(a.name)).toEqual([]);
  });
});

describe('a password change', () => {
  it('refuses the tokens issued before it within the bound; new ones work; the old password no longer signs in', async () => {
    const a = await t.addAccount();
    const before = await tokenClient(a);
    expect((await list(before)).status).toBe(200);

    const at = Date.now();
    await t.identity.setPassword(a.name, a.userName, 'a brand new passphrase');
    expectCode((await answersWithin(() => list(before), 401, at)).res, 'MSS.00010008', /password changed after the token was issued/);
    await expect(tokenClient(a)).rejects.toThrow(/token: 401/);
    const after = await tokenClient(a, 'a brand new passphrase');
    expect((await list(after)).status).toBe(200);
    // The user's keys are not tied to its password.
    expect((await list(a.client)).status).toBe(200);
  });

  it('refuses a password of fewer than 8 characters and changes nothing', async () => {
    const a = await t.addAccount();
    await expect(t.identity.setPassword(a.name, a.userName, 'short')).rejects.toThrow('passwords are 8 to 128 characters');
    await expect(t.identity.setPassword(a.name, 'nobody', 'long enough')).rejects.toThrow(`no user "nobody" in account "${a.name}"`);
    expect((await list(await tokenClient(a))).status).toBe(200);
  });
});

describe('a disabled access key', () => {
  it('is refused within the bound, even when it signed requests just before (lookups are remembered that long)', async () => {
    const a = await t.addAccount();
    expect((await list(a.client)).status).toBe(200);
    const at = Date.now();
    await t.identity.setCredentialEnabled(a.accessKey, false);
    expectCode((await answersWithin(() => list(a.client), 401, at)).res, 'MSS.00010010', /the access key is disabled/);
  });
});
