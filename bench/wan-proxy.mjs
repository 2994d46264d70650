// WAN benchmark (not a test, not the product): region B fetches from region A through a TCP
// proxy that behaves like a long link: data is delayed `BENCH_WAN_DELAY_MS` (40) each way,
// at most `BENCH_WAN_WINDOW_KIB` (256) KiB are unacknowledged per connection and direction (an
// acknowledgement comes back one delay after delivery), so one stream is limited by the round
// trip (256 KiB / 80 ms = 3.2 MB/s), and every connection shares one cap of
// `BENCH_WAN_CAP_MBS` (20) MB/s (a token bucket in the proxy; 8 windows of 3.2 MB/s make at
// most 25.6 MB/s, so the cap is set below that). Prints one stream vs 8 streams, as ratios to
// the cap. `npm run bench:wan`.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bigFile, MiB, startDeployment } from './regions.mjs';

/** A shared token bucket, bytes per second. */
function bucket(bytesPerSecond) {
  let available = bytesPerSecond / 10;
  let last = Date.now();
  return async function take(n) {
    for (;;) {
      const now = Date.now();
      available = Math.min(bytesPerSecond / 10, available + ((now - last) / 1000) * bytesPerSecond);
      last = now;
      if (available >= n) { available -= n; return; }
      await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(((n - available) / bytesPerSecond) * 1000))));
    }
  };
}

/** Moves bytes from `from` to `to` as over a long link: one-way `delayMs`, at most `window` bytes unacknowledged. */
function link(from, to, { delayMs, window, take }) {
  let unacked = 0;
  let chain = Promise.resolve();
  from.on('data', (chunk) => {
    from.pause();
    chain = chain.then(async () => {
      await take(chunk.length);
      unacked += chunk.length;
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
        // The acknowledgement travels back for another delay.
        setTimeout(() => {
          unacked -= chunk.length;
          if (unacked < window) from.resume();
        }, delayMs);
      }, delayMs);
      if (unacked < window) from.resume();
    });
  });
  from.on('end', () => chain.then(() => setTimeout(() => to.end(), delayMs)));
  from.on('error', () => to.destroy());
}

/** Starts the proxy on a free port in front of `target` (host:port); answers its port and a close function. */
export async function startWanProxy(targetPort, { delayMs = 40, windowBytes = 256 * 1024, capBytesPerSecond = 20e6 } = {}) {
  const take = bucket(capBytesPerSecond);
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    link(client, upstream, { delayMs, window: windowBytes, take: async () => {} });
    link(upstream, client, { delayMs, window: windowBytes, take });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(r); }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const delayMs = Number(process.env.BENCH_WAN_DELAY_MS ?? 40);
  const windowBytes = Number(process.env.BENCH_WAN_WINDOW_KIB ?? 256) * 1024;
  const cap = Number(process.env.BENCH_WAN_CAP_MBS ?? 20) * 1e6;
  const manyMiB = Number(process.env.BENCH_WAN_MIB ?? 1024);
  const oneMiB = Number(process.env.BENCH_WAN_ONE_MIB ?? 128);
  const dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-bench-wan-'));
  // The proxy needs A's port before B starts: A first, alone, then the targets through the proxy.
  const proxies = [];
  const d = await startDeployment(
    dir,
    {
      a: { region: 'cn-north-4', env: {} },
      one: { region: 'ap-southeast-3', env: { ASSETBRIDGE_COPY_STREAMS_PER_PEER: '1', ASSETBRIDGE_PEER_BANDWIDTH_LIMIT: '0' } },
      many: { region: 'eu-west-101', env: { ASSETBRIDGE_COPY_STREAMS_PER_PEER: '8', ASSETBRIDGE_PEER_BANDWIDTH_LIMIT: '0' } },
    },
    {
      peerOf: new Proxy({}, { get: (_t, name) => (name === 'one' || name === 'many' ? proxies.endpoint : undefined) }),
      beforeTargets: async (ports) => {
        const proxy = await startWanProxy(ports.a, { delayMs, windowBytes, capBytesPerSecond: cap });
        proxies.push(proxy);
        proxies.endpoint = `http://127.0.0.1:${proxy.port}`;
      },
    },
  );
  const asset = async (mib, seed) => {
    const { asset_id } = await d.call('a', 'POST', '/digital-assets', { asset_name: `wan-${seed}`, asset_type: 'VIDEO' });
    await d.upload(asset_id, 'big.mp4', bigFile(mib, seed), 'MAIN');
    return asset_id;
  };
  const oneId = await asset(oneMiB, 1);
  const manyId = await asset(manyMiB, 2);
  const oneSeconds = await d.timedCopy(oneId, 'one');
  const manySeconds = await d.timedCopy(manyId, 'many');
  const mbs = (mib, s) => ((mib * MiB + 1) / 1e6) / s;
  console.log(`WAN proxy: ${delayMs} ms each way, ${windowBytes / 1024} KiB window per connection, shared cap ${(cap / 1e6).toFixed(0)} MB/s`);
  console.log(`  1 stream, ${oneMiB} MiB: ${mbs(oneMiB, oneSeconds).toFixed(2)} MB/s (${(mbs(oneMiB, oneSeconds) / (cap / 1e6)).toFixed(2)}x the cap; window/RTT ${(windowBytes / (2 * delayMs / 1000) / 1e6).toFixed(1)} MB/s)`);
  console.log(`  8 streams, ${manyMiB} MiB: ${mbs(manyMiB, manySeconds).toFixed(2)} MB/s (${(mbs(manyMiB, manySeconds) / (cap / 1e6)).toFixed(2)}x the cap; target >= 0.8x)`);
  await d.stop();
  for (const p of proxies) await p.close();
  await rm(dir, { recursive: true, force: true });
}
