// The copy flow against a running `npm start`: create an asset with a few files in the first
// region, copy it to the second, print progress, end with the asset ACTIVED there.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { signSdkRequest } from '../dist/auth/sdk-signature.js';

const dataDir = process.env.ASSETBRIDGE_DATA_DIR ?? './data';
let local;
try {
  local = JSON.parse(readFileSync(path.join(dataDir, 'local.json'), 'utf8'));
} catch {
  console.error(`No ${dataDir}/local.json: start the local mode first (npm start), then run npm run demo.`);
  process.exit(1);
}
const [from, to] = local.regions;
if (!from || !to) throw new Error('the local mode needs two regions');

async function call(region, method, p, body) {
  const url = `${region.endpoint}/v1/${region.project_id}${p}`;
  const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  const headers = { 'content-type': 'application/json', 'x-project-id': region.project_id };
  Object.assign(headers, signSdkRequest({ method, url, headers, body: bytes, accessKey: local.access_key, secretKey: local.secret_key }));
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : bytes });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`${method} ${p} in ${region.name}: ${res.status} ${json.error_code} ${json.error_msg}`);
  return json;
}

const files = [
  ['portrait.png', 'MAIN', randomBytes(200 * 1024)],
  ['intro.mp4', 'OTHER', randomBytes(32 * 1024 * 1024)],
  ['notes.txt', 'OTHER', Buffer.from('Copied by assetbridge.\n')],
];
const name = `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`;
const { asset_id } = await call(from, 'POST', '/digital-assets', { asset_name: name, asset_type: 'IMAGE', tags: ['demo'] });
console.log(`1. created asset ${asset_id} (${name}) in ${from.name}`);
for (const [fileName, category, bytes] of files) {
  const md5 = createHash('md5').update(bytes).digest('base64');
  const f = await call(from, 'POST', '/files', { asset_id, file_name: fileName, file_md5: md5, file_size: bytes.length, asset_file_category: category });
  const put = await fetch(f.upload_url, { method: 'PUT', body: bytes, headers: { 'content-md5': md5 } });
  if (put.status !== 200) throw new Error(`upload of ${fileName}: ${put.status}`);
  await call(from, 'POST', `/files/${f.file_id}/complete`, { state: 'CREATED' });
  console.log(`   uploaded ${fileName} (${bytes.length} bytes)`);
}
const info = await call(from, 'GET', `/digital-assets/${asset_id}/replication-info`);
console.log(`2. replication info from ${from.name}: key ${info.encryption_info.key_id}, expires ${new Date(info.expire_time * 1000).toISOString()}`);
const posted = await call(to, 'POST', '/digital-assets-by-replication-info', {
  asset_id: info.asset_id, asset_info: info.asset_info, encryption_info: info.encryption_info,
});
console.log(`3. posted to ${to.name}: ${posted.asset_state}`);
for (;;) {
  const a = await call(to, 'GET', `/digital-assets/${asset_id}`);
  const r = a.replication ?? {};
  const pct = r.bytes_total ? Math.floor((100 * r.bytes_done) / r.bytes_total) : 0;
  process.stdout.write(`\r   ${a.asset_state.padEnd(8)} files ${r.files_done}/${r.files_total}  bytes ${r.bytes_done}/${r.bytes_total} (${pct}%)  attempts ${r.attempts}   `);
  if (a.asset_state === 'ACTIVED') {
    console.log(`\n4. asset ${asset_id} is ACTIVED in ${to.name} with ${a.files.length} files`);
    break;
  }
  if (a.asset_state === 'FAILED') {
    console.log(`\n   copy FAILED: ${r.failure_code}: ${a.reason}`);
    process.exit(1);
  }
  await new Promise((res) => setTimeout(res, 250));
}
