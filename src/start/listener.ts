import { createServer, type RequestListener, type Server } from 'node:http';
import { AppError } from '../domain/errors.js';

/**
 * A region's HTTP socket, bound before anything of the region is built: with port 0 the
 * bound port (and so the region's default endpoint, which its peers and signed URLs name) is
 * known up front, race-free, and the configuration never changes after it is made.
 * Until the app is attached every request is answered 503 (it was not built yet).
 */
export interface Listener {
  readonly server: Server;
  /** The bound port. */
  readonly port: number;
  /** From now on requests go to `handler`. */
  serve(handler: RequestListener): void;
  /** Stops accepting; resolves once every connection has ended. */
  close(): Promise<void>;
}

const starting: RequestListener = (_req, res) => {
  const err = new AppError('unavailable', 'the region is starting');
  res.writeHead(err.status, { 'content-type': 'application/json', connection: 'close', 'retry-after': '1' });
  res.end(JSON.stringify({ error_code: err.code, error_msg: err.message }));
};

/** Binds `host:port` (0: any free port). */
export async function bindListener(host: string, port: number): Promise<Listener> {
  const server = createServer(starting);
  // Fastify's own defaults: no limit on a request's duration (large uploads), long keep-alive.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 72_000;
  let closing = false;
  // While closing, a connection whose last response just ended is closed at once, not kept alive.
  server.on('request', (_req, res) => {
    res.once('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error(`no TCP address bound for ${host}:${port}`);
  let closed: Promise<void> | undefined;
  return {
    server,
    port: address.port,
    serve(handler) {
      server.off('request', starting);
      server.on('request', handler);
    },
    close() {
      closing = true;
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err && (err as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING' ? reject(err) : resolve()));
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}
