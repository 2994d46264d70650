import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { ApiError } from '../client/api-client.js';
import { assetTypes } from '../domain/asset.js';
import { errorCatalogue } from '../domain/errors.js';
import { assetIdArg, CliError, context, fetchFrom, note, oneOf, result } from './output.js';
import { regionClient, withRegionOptions, type RegionClient, type RegionOptions } from './profile.js';
import { formatBytes, ProgressBar } from './progress.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
type Json = any;

interface LocalFile {
  path: string;
  name: string;
  size: number;
  md5: string;
  category: 'MAIN' | 'OTHER';
}

async function md5Of(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('base64');
}

const localFileError = (file: string, why: string) => new CliError(`${file}: ${why}`, 'check the path and its permissions, then run the same command again', 'CLI.LOCAL_FILE');

/** Every local file read and hashed before anything is created. */
async function checkLocalFiles(files: string[]): Promise<LocalFile[]> {
  const checked: LocalFile[] = [];
  for (const [i, file] of files.entries()) {
    const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
      throw localFileError(file, err.code === 'ENOENT' ? 'no such file' : err.message);
    });
    if (!info.isFile()) throw localFileError(file, 'not a regular file');
    const md5 = await md5Of(file).catch((err: NodeJS.ErrnoException) => {
      throw localFileError(file, err.message);
    });
    const name = path.basename(file);
    if (checked.some((c) => c.name === name)) throw localFileError(file, `a second file named ${name} (file names are unique in an asset)`);
    checked.push({ path: file, name, size: info.size, md5, category: i === 0 ? 'MAIN' : 'OTHER' });
  }
  return checked;
}

/** Files still counting in an asset: FAILED and CANCELLED ones are declared again. */
const liveFileStates = ['CREATING', 'UPLOADED', 'CREATED'];

/** The asset this upload continues (CREATING, same name), or a new one. */
async function assetFor(api: RegionClient, name: string, type: string, locals: LocalFile[]): Promise<{ asset: Json; resumed: boolean }> {
  const page = await api.ok('GET', '/digital-assets', { query: { asset_state: 'CREATING', name, limit: '100' } });
  const stuck = (page.assets as Json[]).find((a) => a.asset_name === name);
  if (stuck) {
    const asset = await api.ok('GET', `/digital-assets/${stuck.asset_id}`);
    const differs = (asset.files as Json[])
      .filter((f) => liveFileStates.includes(f.state))
      .filter((f) => {
        const local = locals.find((l) => l.name === f.file_name);
        return !local || local.size !== f.file_size || local.md5 !== f.file_md5;
      });
    if (differs.length) {
      throw new CliError(
        `asset "${name}" (${asset.asset_id}) is CREATING with other files declared (${differs.map((f) => String(f.file_name)).join(', ')} differ in name, size or MD5)`,
        `assetbridge assets rm ${asset.asset_id} --force${api.region ? ` --region ${api.region}` : ''}, then upload again`,
        'CLI.UPLOAD_DIFFERS',
      );
    }
    return { asset, resumed: true };
  }
  try {
    const created = await api.ok('POST', '/digital-assets', { body: { asset_name: name, asset_type: type } });
    return { asset: { asset_id: created.asset_id, files: [] }, resumed: false };
  } catch (err) {
    if (err instanceof ApiError && err.code === errorCatalogue.assetNameExists.code) {
      const same = ((await api.ok('GET', '/digital-assets', { query: { name, limit: '100' } })).assets as Json[]).find((a) => a.asset_name === name);
      if (same) throw new CliError(`an asset named "${name}" already exists: ${same.asset_id} (${same.asset_state})`, `assetbridge assets show ${same.asset_id} --region ${api.region}, or upload with another --name`, err.code);
    }
    throw err;
  }
}

/** A pass-through stream that draws the bytes through it on `bar`, from `start` of `total`. */
function counting(bar: ProgressBar, start: number, total: number): Transform {
  let done = start;
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      done += chunk.length;
      bar.update(done, total, `${formatBytes(done)}/${formatBytes(total)}`);
      cb(null, chunk);
    },
  });
}

/** Declares a file and sends its bytes from byte 0, then confirms it. */
async function send(api: RegionClient, assetId: string, local: LocalFile): Promise<void> {
  const f = await api.ok('POST', '/files', {
    body: { asset_id: assetId, file_name: local.name, file_md5: local.md5, file_size: local.size, asset_file_category: local.category },
  });
  const bar = new ProgressBar(local.name);
  const counter = counting(bar, 0, local.size);
  // A read error (the file changed since it was hashed) fails this upload through the body.
  const source = createReadStream(local.path).on('error', (err) => counter.destroy(err));
  const body = Readable.toWeb(source.pipe(counter)) as ReadableStream;
  const put = await fetchFrom(f.upload_url as string, { method: 'PUT', body, duplex: 'half', headers: { 'content-length': String(local.size), 'content-md5': local.md5 } });
  bar.end();
  if (put.status !== 200) throw await ApiError.ofResponse(put);
  await api.ok('POST', `/files/${f.file_id}/complete`, { body: { state: 'CREATED' } });
  note(`${local.name}: uploaded ${formatBytes(local.size)}`);
}

/** `assetbridge upload` and `assetbridge download`. */
export function registerFileCommands(program: Command): void {
  withRegionOptions(program.command('upload <files...>').description('create an asset from files: the first is MAIN, the others OTHER'))
    .requiredOption('--type <type>', `asset type: ${assetTypes.join(', ')}`, oneOf(assetTypes))
    .option('--name <name>', 'asset name (default: the first file name)')
    .addHelpText(
      'after',
      `
Every file is read and hashed before anything is created; the MAIN file is sent last (it
activates the asset). Run the same command again after an interruption: it continues the
CREATING asset of that name (files already there are kept, the others sent again).

Example:
  assetbridge upload portrait.png --type IMAGE`,
    )
    .action(async (files: string[], o: RegionOptions & { type: string; name?: string }) => {
      const locals = await checkLocalFiles(files);
      const api = regionClient(o);
      const name = o.name ?? locals[0]?.name ?? 'asset';
      const { asset, resumed } = await assetFor(api, name, o.type, locals);
      const assetId = asset.asset_id as string;
      context.assetId = assetId;
      if (resumed) note(`continuing the upload of ${assetId}`);
      // The MAIN file goes last: confirming it activates the asset, so an interrupted upload
      // leaves the asset CREATING, where the same command finds it again.
      for (const local of [...locals.slice(1), ...locals.slice(0, 1)]) {
        const declared = (asset.files as Json[]).find((f) => f.file_name === local.name && liveFileStates.includes(f.state));
        if (declared?.state === 'CREATED') {
          note(`${local.name}: already uploaded`);
          continue;
        }
        if (declared?.state === 'UPLOADED') {
          await api.ok('POST', `/files/${declared.file_id}/complete`, { body: { state: 'CREATED' } });
          note(`${local.name}: confirmed`);
          continue;
        }
        if (declared) await api.ok('POST', `/files/${declared.file_id}/complete`, { body: { state: 'CANCELLED' } });
        await send(api, assetId, local);
      }
      const shown = await api.ok('GET', `/digital-assets/${assetId}`);
      result({ asset_id: assetId, asset_state: shown.asset_state, resumed }, () => `asset ${assetId} is ${shown.asset_state}`);
    });

  withRegionOptions(program.command('download').argument('<assetId>', 'full 32-hex asset id', assetIdArg).description("download an asset's file (resumes a partial local file)"))
    .option('--file <name>', 'file name (default: the MAIN file)')
    .option('-o, --output <path>', 'where to write (default: the file name, in the current folder)')
    .addHelpText('after', '\nExamples:\n  assetbridge download 8cb2f48a2cb006154794741933421100\n  assetbridge download 8cb2f48a2cb006154794741933421100 --file notes.txt -o /tmp/notes.txt')
    .action(async (id: string, o: RegionOptions & { file?: string; output?: string }) => {
      context.assetId = id;
      const api = regionClient(o);
      const asset = await api.ok('GET', `/digital-assets/${id}`);
      const files = asset.files as Json[];
      const file = o.file ? files.find((f) => f.file_name === o.file) : (files.find((f) => f.asset_file_category === 'MAIN') ?? files[0]);
      if (!file) {
        throw new CliError(`asset ${id} has no file${o.file ? ` named "${o.file}" (files: ${files.map((f) => String(f.file_name)).join(', ') || 'none'})` : ''}`, `assetbridge assets show ${id}${o.region ? ` --region ${o.region}` : ''}`, 'CLI.NO_FILE');
      }
      if (!file.download_url) throw new CliError(`${file.file_name} of ${id} is ${file.state}, not downloadable`, `assetbridge assets show ${id}${o.region ? ` --region ${o.region}` : ''}`, 'CLI.NO_FILE');
      const target = o.output ?? path.basename(file.file_name as string);
      const size = file.file_size as number;
      const have = await stat(target).then((s) => s.size, () => 0);
      if (have > size) throw localFileError(target, `is larger (${have} bytes) than ${file.file_name} (${size} bytes)`);
      if (have > 0 && have < size) note(`resuming ${target} at ${formatBytes(have)}`);
      if (have < size) {
        const res = await fetchFrom(file.download_url as string, { headers: have > 0 ? { range: `bytes=${have}-` } : {} });
        if (res.status !== (have > 0 ? 206 : 200) || !res.body) throw await ApiError.ofResponse(res);
        const bar = new ProgressBar(file.file_name as string);
        await pipeline(Readable.fromWeb(res.body), counting(bar, have, size), createWriteStream(target, { flags: have > 0 ? 'a' : 'w' }));
        bar.end();
      }
      const written = (await stat(target)).size;
      const md5 = await md5Of(target);
      if (written !== size || (file.file_md5 && md5 !== file.file_md5)) {
        throw new CliError(`${target} does not match ${file.file_name} (${written} of ${size} bytes, MD5 ${md5}, expected ${file.file_md5})`, `delete ${target} and run the same command again`, 'CLI.VERIFY');
      }
      result({ asset_id: id, file_name: file.file_name, path: target, size, md5, resumed_at: have > 0 && have < size ? have : undefined }, () => `${target}: ${formatBytes(size)}, MD5 verified`);
    });
}
