import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegion, type TestRegion } from '../helpers/test-region.js';

describe('a wrong method on a known path', () => {
  let t: TestRegion;
  beforeAll(async () => {
    t = await startTestRegion();
  });
  afterAll(async () => {
    await t?.close();
  });

  const send = (method: string, path: string, headers: Record<string, string> = {}) => fetch(`${t.endpoint}${path}`, { method, headers });

  async function expect405(res: Response, allow: string): Promise<void> {
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const body = (await res.json()) as { error_code: string; error_msg: string };
    expect(body.error_code).toBe('MSS.00010004');
    expect(body.error_msg).toContain(allow);
  }

  it('answers 405 MSS.00010004 with the methods of a project path in Allow, signed or not', async () => {
    const signed = await t.client.call('PATCH', '/digital-assets');
    expect(signed.status).toBe(405);
    expect(signed.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(signed.body.error_code).toBe('MSS.00010004');
    await expect405(await send('PATCH', `/v1/${t.projectId}/digital-assets`), 'GET, HEAD, POST');
    await expect405(await send('POST', `/v1/${t.projectId}/digital-assets/${'a'.repeat(32)}`), 'GET, HEAD, PUT, DELETE');
    await expect405(await send('GET', `/v1/${t.projectId}/files/${'b'.repeat(32)}/complete`), 'POST');
  });

  it('answers 405 with Allow on paths outside the project API', async () => {
    await expect405(await send('GET', '/v3/auth/tokens'), 'POST');
    await expect405(await send('DELETE', '/v3/projects'), 'GET, HEAD');
    await expect405(await send('POST', '/openapi.json'), 'GET, HEAD');
  });

  it('still answers 404 MSS.00010003 on an unknown path, without Allow', async () => {
    const res = await send('PATCH', `/v1/${t.projectId}/no-such-thing`);
    expect(res.status).toBe(404);
    expect(res.headers.get('allow')).toBeNull();
    expect(((await res.json()) as { error_code: string }).error_code).toBe('MSS.00010003');
  });

  it('keeps answering CORS preflights on project paths', async () => {
    const res = await send('OPTIONS', `/v1/${t.projectId}/digital-assets`, {
      origin: t.endpoint,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,x-auth-token',
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(t.endpoint);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });
});
