import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCatalogue } from '../../src/domain/errors.js';
import { frameworkErrors, registerErrorHandler } from '../../src/http/plugins/error-handler.js';

const app = Fastify({ frameworkErrors, routerOptions: { maxParamLength: 40 } });

beforeAll(async () => {
  registerErrorHandler(app);
  // Client errors as plugins raise them: a status and a message, no code of ours.
  app.get('/status/:code', async (request) => {
    const { code } = request.params as { code: string };
    throw Object.assign(new Error(`plugin refused with ${code}`), { statusCode: Number(code) });
  });
  app.get('/crash', async () => {
    throw new Error('secret internals');
  });
  await app.ready();
});
afterAll(async () => {
  await app.close();
});

const codes = new Set<string>(Object.values(errorCatalogue).map((e) => e.code));

describe('the error handler', () => {
  it.each([
    [400, 400, errorCatalogue.invalidParameter.code],
    [403, 403, errorCatalogue.forbidden.code],
    [404, 404, errorCatalogue.apiNotFound.code],
    [405, 405, errorCatalogue.methodNotAllowed.code],
    [413, 413, errorCatalogue.bodyTooLarge.code],
    [415, 400, errorCatalogue.invalidBody.code],
    [416, 416, errorCatalogue.rangeNotSatisfiable.code],
    [418, 400, errorCatalogue.invalidParameter.code],
  ])('answers a client error %i with a catalogue entry (%i %s) and its message', async (thrown, status, code) => {
    const res = await app.inject(`/status/${thrown}`);
    expect({ status: res.statusCode, body: res.json() }).toEqual({ status, body: { error_code: code, error_msg: expect.stringContaining(`plugin refused with ${thrown}`) } });
  });

  it('hides the details of an unexpected error', async () => {
    const res = await app.inject('/crash');
    expect({ status: res.statusCode, body: res.json() }).toEqual({ status: 500, body: { error_code: errorCatalogue.internal.code, error_msg: errorCatalogue.internal.message } });
  });

  it('answers URLs Fastify cannot route with the illegal-URL code and a request id', async () => {
    for (const url of ['/status/%zz', `/status/${'4'.repeat(50)}`]) {
      const res = await app.inject(url);
      expect({ url, status: res.statusCode, code: res.json().error_code }).toEqual({ url, status: 400, code: errorCatalogue.illegalUrlParameter.code });
      expect(res.headers['x-request-id']).toBeTruthy();
    }
  });

  it('uses only codes of the catalogue', async () => {
    for (const url of ['/status/409', '/status/401', '/nowhere', '/crash', '/status/%zz']) {
      expect(codes.has((await app.inject(url)).json().error_code), url).toBe(true);
    }
  });
});
