import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, Readable, Transform } from 'node:stream';
import type { Command } from 'commander';
import { ApiError } from '../client/api-client.js';
import { openOperatorAssets } from '../start/operator.js';
import { clientFor, loadProfile } from './profile.js';
import { formatBytes, ProgressBar } from './progress.js';

type Common = { json?: boolean; region?: string; profile?: string };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
type Json = any;

const client = (o: Common) => clientFor(loadProfile(process.env, o.profile), o.region);
const out = (o: Common, value: unknown, text: () => string) => console.log(o.json ? JSON.stringify(value, null, 2) : text());
const withCommon = (c: Command) =>
  c.option('--region <name>', 'region of the profile (default: its first)').option('--profile <name>', 'profile in the CLI config file').option('--json', 'machine-readable output');

async function md5Of(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('base64');
}

/** `assetbridge assets ...` and `assetbridge upload`: everyday asset commands over the public API. */
export function registerAssetsCommands(program: Command): void {
  const assets = program.command('assets').description('list, show, create, delete and restore assets');
  withCommon(assets.command('ls').description('list assets'))
    .option('--state <states>', 'comma list of asset states')
    .option('--type <types>', 'comma list of asset types')
    .option('--name <text>', 'name contains')
    .option('--limit <n>', 'page size (1-100)', '20')
    .option('--offset <n>', 'skip this many', '0')
    .addHelpText('after', '\nExample:\n  assetbridge assets ls --region ap-southeast-3 --state ACTIVED')
    .action(async (o: Common & { state?: string; type?: string; name?: string; limit: string; offset: string }) => {
      const query: Record<string, string> = { limit: o.limit, offset: o.offset };
      if (o.state) query.asset_state = o.state;
      if (o.type) query.asset_type = o.type;
      if (o.name) query.name = o.name;
      const res = (await client(o).ok('GET', '/digital-assets', { query }));
      out(o, res, () =>
        [`${res.count} assets`, ...(res.assets as Json[]).map((a) => `${a.asset_id}  ${String(a.asset_state).padEnd(9)} ${String(a.asset_type).padEnd(12)} ${a.asset_name}`)].join('\n'),
      );
    });
  withCommon(assets.command('show <assetId>').description('show one asset with its files and copy progress'))
    .addHelpText('after', '\nExample:\n  assetbridge assets show 8cb2f48a2cb006154794741933421100 --region ap-southeast-3 --json')
    .action(async (id: string, o: Common) => {
    const a = (await client(o).ok('GET', `/digital-assets/${id}`));
    out(o, a, () =>
      [
        `${a.asset_name} (${a.asset_id})  ${a.asset_state}  ${a.asset_type}`,
        ...(a.replication ? [`copy from ${a.replication.source_region}: ${a.replication.state} ${a.replication.files_done}/${a.replication.files_total} files, ${formatBytes(a.replication.bytes_done)}/${formatBytes(a.replication.bytes_total)}`] : []),
        ...(a.files as Json[]).map((f) => `  ${f.file_id}  ${String(f.asset_file_category).padEnd(6)} ${f.state.padEnd(8)} ${formatBytes(f.file_size).padStart(10)}  ${f.file_name}`),
      ].join('\n'),
    );
  });
  withCommon(assets.command('create <name>').description('create an empty asset'))
    .requiredOption('--type <type>', 'asset type, e.g. IMAGE, VIDEO')
    .option('--description <text>', 'description')
    .addHelpText('after', '\nExample:\n  assetbridge assets create portrait --type IMAGE')
    .action(async (name: string, o: Common & { type: string; description?: string }) => {
      const res = (await client(o).ok('POST', '/digital-assets', { body: { asset_name: name, asset_type: o.type, asset_description: o.description } }));
      out(o, res, () => `created ${res.asset_id}`);
    });
  withCommon(assets.command('rm <assetId>').description('delete to the recycle bin (or for good with --force)'))
    .option('--force', 'delete for good, with its files')
    .addHelpText('after', '\nExamples:\n  assetbridge assets rm 8cb2f48a2cb006154794741933421100\n  assetbridge assets rm 8cb2f48a2cb006154794741933421100 --force')
    .action(async (id: string, o: Common & { force?: boolean }) => {
      await client(o).ok('DELETE', `/digital-assets/${id}`, { query: o.force ? { mode: 'force' } : {} });
      out(o, { asset_id: id, deleted: o.force ? 'DELETED' : 'DELETING' }, () => (o.force ? `deleted ${id} for good` : `moved ${id} to the recycle bin`));
    });
  withCommon(assets.command('restore <assetId>').description('bring an asset back from the recycle bin'))
    .addHelpText('after', '\nExample:\n  assetbridge assets restore 8cb2f48a2cb006154794741933421100')
    .action(async (id: string, o: Common) => {
    await client(o).ok('POST', `/digital-assets/${id}/restore`);
    out(o, { asset_id: id }, () => `restored ${id}`);
  });
  assets
    .command('unblock <assetId>')
    .description('operator: lift the BLOCK of an asset (works on the region\'s metadata database directly)')
    .option('--project <id>', 'the asset\'s project, when its id is held in several')
    .option('--local-region <name>', 'local mode: the region folder of ASSETBRIDGE_DATA_DIR')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Settings: ASSETBRIDGE_DATABASE_URL (env or ASSETBRIDGE_CONFIG_FILE), else sqlite:<data dir>/metadata.db
(ASSETBRIDGE_DATA_DIR, default ./data; with --local-region, <data dir>/<region>/metadata.db).

Examples:
  ASSETBRIDGE_DATABASE_URL=postgres://db/assetbridge assetbridge assets unblock 8cb2f48a2cb006154794741933421100
  assetbridge assets unblock 8cb2f48a2cb006154794741933421100 --local-region cn-north-4`,
    )
    .action(async (id: string, o: { project?: string; localRegion?: string; json?: boolean }) => {
      const store = await openOperatorAssets(process.env, o.localRegion);
      try {
        const a = await store.unblock(id, o.project);
        out(o, { asset_id: id, project_id: a.projectId, asset_state: a.assetState }, () => `unblocked ${id} (project ${a.projectId}): ${a.assetState}`);
      } finally {
        await store.close();
      }
    });

  withCommon(program.command('upload <files...>').description('create an asset from files: the first is MAIN, the others OTHER'))
    .requiredOption('--type <type>', 'asset type, e.g. IMAGE, VIDEO')
    .option('--name <name>', 'asset name (default: the first file name)')
    .addHelpText('after', '\nExample:\n  assetbridge upload portrait.png --type IMAGE')
    .action(async (files: string[], o: Common & { type: string; name?: string }) => {
      const api = client(o);
      const name = o.name ?? path.basename(files[0] ?? 'asset');
      const { asset_id: assetId } = (await api.ok('POST', '/digital-assets', { body: { asset_name: name, asset_type: o.type } }));
      for (const [i, file] of files.entries()) {
        const size = (await stat(file)).size;
        const md5 = await md5Of(file);
        const f = (await api.ok('POST', '/files', {
          body: { asset_id: assetId, file_name: path.basename(file), file_md5: md5, file_size: size, asset_file_category: i === 0 ? 'MAIN' : 'OTHER' },
        }));
        const bar = new ProgressBar(path.basename(file));
        let sent = 0;
        const counter = new Transform({
          transform(chunk: Buffer, _e, cb) {
            sent += chunk.length;
            bar.update(sent, size, `${formatBytes(sent)}/${formatBytes(size)}`);
            cb(null, chunk);
          },
        });
        // pipeline, not pipe: a read error (the file vanished since it was hashed) fails this
        // upload through the body instead of the process, and a cancelled body closes the file.
        const body = Readable.toWeb(pipeline(createReadStream(file), counter, () => {})) as ReadableStream;
        const put = await fetch(f.upload_url as string, { method: 'PUT', body, duplex: 'half', headers: { 'content-length': String(size), 'content-md5': md5 } });
        if (put.status !== 200) throw await ApiError.ofResponse(put);
        await api.ok('POST', `/files/${f.file_id}/complete`, { body: { state: 'CREATED' } });
        bar.done(`${path.basename(file)}: uploaded ${formatBytes(size)}`);
      }
      const shown = (await api.ok('GET', `/digital-assets/${assetId}`));
      out(o, { asset_id: assetId, asset_state: shown.asset_state }, () => `asset ${assetId} is ${shown.asset_state}`);
    });
}
