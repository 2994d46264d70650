import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, type RawAnswer } from '../helpers/raw-http.js';
import { startTestRegion, TestClock, type TestAccount, type TestRegion } from '../helpers/test-region.js';

/**
 * `POST /v3/auth/tokens` is rate limited by (user, client address) and by client address,
 * never by user alone; password hashing runs behind a bounded limiter.
 */

const clock = new TestClock();
let t: TestRegion;
let busy: TestRegion;
beforeAll(async () => {
  t = await startTestRegion({ clock, env: { ASSETBRIDGE_LOGIN_RATE_USER: '3', ASSETBRIDGE_LOGIN_RATE_ADDRESS: '5' } });
  // One password check at a time and none waiting: every overlapping login is refused.
  busy = await startTestRegion({ env: { ASSETBRIDGE_PASSWORD_HASH_CONCURRENCY: '1', ASSETBRIDGE_PASSWORD_HASH_QUEUE: '0', ASSETBRIDGE_LOGIN_RATE_ADDRESS: '1000', ASSETBRIDGE_LOGIN_RATE_USER: '1000' } });
});
afterAll(async () => {
  await busy?.close();
  await t?.close();
});

function login(region: TestRegion, a: TestAccount, password: string, localAddress: string): Promise<RawAnswer> {
  const body = JSON.stringify({
    auth: {
      identity: { methods: ['password'], password: { user: { name: a.userName, password, domain: { name: a.name } } } },
      scope: { project: { id: a.projectId } },
    },
  });
  return rawRequest(region.endpoint, { method: 'POST', target: '/v3/auth/tokens', headers: { 'content-type': 'application/json' }, body, localAddress });
}

function expectLimited(res: RawAnswer, code: string): void {
  expect(res.status).toBe(429);
  expect(res.body.error_code).toBe(code);
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe('login rate limits', () => {
  it('per (user, address): a guesser at 127.0.0.2 is stopped, the user at 127.0.0.1 still logs in; per address: other users too', async () => {
    const victim = await t.addAccount();
    const other = await t.addAccount();
    const guesser = '127.0.0.2';
    for (let i = 0; i < 3; i++) expect((await login(t, victim, 'wrong', guesser)).status).toBe(401);
    // The 4th attempt is refused before the password is checked, even the right one.
    expectLimited(await login(t, victim, victim.password, guesser), 'MSS.00010015');
    // Never by user alone: the user logs in from its own address, as often as it likes (successes are not counted).
    for (let i = 0; i < 5; i++) expect((await login(t, victim, victim.password, '127.0.0.1')).status).toBe(201);
    // The address has made 4 attempts; the 5th (another user) passes, the 6th does not.
    expect((await login(t, other, 'wrong', guesser)).status).toBe(401);
    expectLimited(await login(t, other, other.password, guesser), 'MSS.00010015');
    // A minute later the windows are new.
    clock.offsetMs = 61_000;
    try {
      expect((await login(t, victim, victim.password, guesser)).status).toBe(201);
    } finally {
      clock.offsetMs = 0;
    }
  });

  it('password hashing is bounded: logins over the bound (1 running, 0 waiting) are 429, the others succeed', async () => {
    const a = await busy.addAccount();
    const answers = await Promise.all(Array.from({ length: 20 }, () => login(busy, a, a.password, '127.0.0.1')));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s !== 201 && s !== 429)).toEqual([]);
    expect(statuses).toContain(201);
    const refused = answers.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expectLimited(r, 'MSS.00010016');
  });
});
