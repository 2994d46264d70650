import { connect, type Socket } from 'node:net';

/** A raw client connection: what it received, and when the server closed it. */
export interface RawConnection {
  socket: Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves when the connection has closed (by either side), with the ms since it opened. */
  closed: Promise<number>;
}

/** Opens a TCP connection to `endpoint`'s host and port (from `localAddress` when given). */
export async function openConnection(endpoint: string, localAddress?: string): Promise<RawConnection> {
  const url = new URL(endpoint);
  const socket = connect({ host: url.hostname, port: Number(url.port), localAddress });
  const opened = Date.now();
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  // An error (reset) also ends the connection.
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - opened)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => text, closed };
}

/** Resolves once `condition` holds, checking every 20 ms; fails after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
