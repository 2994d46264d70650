// Region processes for the benchmarks (not the product): one source region A and any number
// of target regions, each a separate process of dist/bin/server.js, plus a signed API client.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { signSdkRequest } from '../dist/auth/sdk-signature.js';
import { parseIdentityConfig, SettingsReader } from '../dist/config/index.js';
import { openIdentity } from '../dist/start/identity.js';

export const MiB = 1024 * 1024;

export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/**
 * A deployment in `dir`: `regions` maps a short name to { region, env, nodeArgs } (`nodeArgs`:
 * options of that region's `node`, e.g. `--cpu-prof`); every target region
 * names A as its peer (at `peerOf[name]`, default A's own endpoint, e.g. a proxy in front of it).
 */
export async function startDeployment(dir, regions, { peerOf = {}, beforeTargets } = {}) {
  writeFileSync(path.join(dir, 'keyring.json'), JSON.stringify({ active: 'k1', keys: { k1: randomBytes(16).toString('base64') } }));
  const shared = {
    ASSETBRIDGE_MASTER_KEY: randomBytes(32).toString('hex'),
    ASSETBRIDGE_IDENTITY_DATABASE_URL: `sqlite:${path.join(dir, 'identity.db')}`,
    ASSETBRIDGE_KEYRING_FILE: path.join(dir, 'keyring.json'),
    ASSETBRIDGE_LOG_LEVEL: 'warn',
  };
  const ports = {};
  for (const name of Object.keys(regions)) ports[name] = await freePort();
  const endpoint = (name) => `http://127.0.0.1:${ports[name]}`;
  const procs = {};
  let targetsReady = false;
  const sourceName = Object.keys(regions)[0];
  const peers = (name) =>
    name === sourceName
      ? Object.keys(regions).filter((n) => n !== name).map((n) => `${regions[n].region}=${endpoint(n)}`).join(',')
      : `${regions[sourceName].region}=${peerOf[name] ?? endpoint(sourceName)}`;
  for (const [name, { region, env, nodeArgs = [] }] of Object.entries(regions)) {
    if (name !== sourceName && beforeTargets && !targetsReady) {
      await beforeTargets(ports);
      targetsReady = true;
    }
    const child = spawn(process.execPath, [...nodeArgs, 'dist/bin/server.js', 'region'], {
      env: { ...process.env, ...shared, ASSETBRIDGE_REGION: region, ASSETBRIDGE_PORT: String(ports[name]),
        ASSETBRIDGE_DATA_DIR: path.join(dir, name), ASSETBRIDGE_URL_SECRET: randomBytes(32).toString('hex'),
        ASSETBRIDGE_PEERS: peers(name), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    procs[name] = child;
    await new Promise((resolve) => child.stdout.on('data', (d) => d.toString().includes('listening') && resolve()));
  }
  const identity = await openIdentity(parseIdentityConfig(new SettingsReader(shared), dir));
  await identity.createAccount('bench');
  const { accessKey, secretKey } = await identity.createCredential('bench');
  const projects = Object.fromEntries((await identity.projects('bench')).map((p) => [p.region, p.id]));
  await identity.close();
  const project = (name) => projects[regions[name].region];

  async function call(name, method, p, body) {
    const url = `${endpoint(name)}/v1/${project(name)}${p}`;
    const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
    const headers = { 'content-type': 'application/json', 'x-project-id': project(name) };
    Object.assign(headers, signSdkRequest({ method, url, headers, body: bytes, accessKey, secretKey }));
    const res = await fetch(url, { method, headers, body: body === undefined ? undefined : bytes });
    const json = await res.json();
    if (res.status !== 200) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** Uploads a file to region A from a generator of chunks (run twice: MD5 first, then the body). */
  async function upload(assetId, name, chunks, category) {
    const md5 = createHash('md5');
    let size = 0;
    for (const c of chunks()) { md5.update(c); size += c.length; }
    const f = await call(sourceName, 'POST', '/files', { asset_id: assetId, file_name: name, file_md5: md5.digest('base64'), file_size: size, asset_file_category: category });
    const res = await fetch(f.upload_url, { method: 'PUT', body: Readable.from(chunks()), duplex: 'half', headers: { 'content-length': String(size) } });
    if (res.status !== 200) throw new Error(`upload ${res.status}`);
    await call(sourceName, 'POST', `/files/${f.file_id}/complete`, { state: 'CREATED' });
  }

  /** Exports from A and imports into `target`. */
  async function copy(assetId, target) {
    const info = await call(sourceName, 'GET', `/digital-assets/${assetId}/replication-info`);
    await call(target, 'POST', '/digital-assets-by-replication-info', { asset_id: info.asset_id, asset_info: info.asset_info, encryption_info: info.encryption_info });
  }

  /** Copies one asset and answers the seconds until it is ACTIVED in `target`. */
  async function timedCopy(assetId, target) {
    const t0 = performance.now();
    await copy(assetId, target);
    for (;;) {
      const a = await call(target, 'GET', `/digital-assets/${assetId}`);
      if (a.asset_state === 'ACTIVED') return (performance.now() - t0) / 1000;
      if (a.asset_state === 'FAILED') throw new Error(a.reason);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Peak RSS (VmHWM) of a region process, MiB. */
  const peakRss = (name) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${procs[name].pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

  async function stop() {
    await Promise.all(Object.values(procs).map((p) => new Promise((r) => { p.once('exit', r); p.kill('SIGTERM'); })));
  }

  return { call, upload, copy, timedCopy, peakRss, pid: (name) => procs[name].pid, stop, endpoint, ports, source: sourceName };
}

/** A file of `mib` MiB + 1 byte, from one random MiB (distinct per `seed`). */
export function bigFile(mib, seed) {
  const block = randomBytes(MiB);
  const tweak = Buffer.from([seed]);
  return function* () {
    yield tweak;
    for (let j = 0; j < mib; j++) yield block;
  };
}
