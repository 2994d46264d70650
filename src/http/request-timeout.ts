import type { RequestListener } from 'node:http';
import { AppError } from '../domain/errors.js';

/** Routes that move file bytes: they have an idle timeout (the socket's), never a total one. */
const byteStreams = /^\/(blobs\/(upload|download)\/|replication\/v1\/projects\/[^/?#]+\/files\/)/;

export const isByteStream = (rawUrl: string): boolean => byteStreams.test(rawUrl);

/**
 * Every other request (receiving it, handling it, answering it) must end within
 * `requestTimeoutMs`: past it, 408 (or, once the answer has started, the connection is cut),
 * and the connection is closed either way.
 */
export function withRequestTimeout(handler: RequestListener, options: { requestTimeoutMs: number }): RequestListener {
  return (req, res) => {
    if (!isByteStream(req.url ?? '')) {
      const timer = setTimeout(() => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const err = new AppError('requestTimeout', `the request did not complete within ${options.requestTimeoutMs / 1000} s`);
        res.writeHead(err.status, { 'content-type': 'application/json', connection: 'close' });
        res.end(JSON.stringify({ error_code: err.code, error_msg: err.message }), () => res.destroy());
      }, options.requestTimeoutMs);
      timer.unref();
      res.once('close', () => clearTimeout(timer));
    }
    handler(req, res);
  };
}
