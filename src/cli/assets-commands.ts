import type { Command } from 'commander';
import { assetStates, assetTypes } from '../domain/asset.js';
import { assetIdArg, context, listOf, oneOf, result } from './output.js';
import { regionClient, withRegionOptions, type RegionOptions } from './profile.js';
import { formatBytes } from './progress.js';
import { registerUnblockCommand } from './unblock-command.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
type Json = any;

/** `assetbridge assets ...`: everyday asset commands over the public API. */
export function registerAssetsCommands(program: Command): void {
  const assets = program.command('assets').description('list, show, create, delete and restore assets');
  withRegionOptions(assets.command('ls').description('list assets'))
    .option('--state <states>', `comma list of asset states: ${assetStates.join(', ')}`, listOf(assetStates))
    .option('--type <types>', `comma list of asset types: ${assetTypes.join(', ')}`, listOf(assetTypes))
    .option('--name <text>', 'name contains')
    .option('--limit <n>', 'page size (1-100)', '20')
    .option('--offset <n>', 'skip this many', '0')
    .addHelpText('after', '\nExample:\n  assetbridge assets ls --region ap-southeast-3 --state ACTIVED')
    .action(async (o: RegionOptions & { state?: string; type?: string; name?: string; limit: string; offset: string }) => {
      const query: Record<string, string> = { limit: o.limit, offset: o.offset };
      if (o.state) query.asset_state = o.state;
      if (o.type) query.asset_type = o.type;
      if (o.name) query.name = o.name;
      const res = await regionClient(o).ok('GET', '/digital-assets', { query });
      result(res, () =>
        [`${res.count} assets`, ...(res.assets as Json[]).map((a) => `${a.asset_id}  ${String(a.asset_state).padEnd(9)} ${String(a.asset_type).padEnd(12)} ${a.asset_name}`)].join('\n'),
      );
    });
  withRegionOptions(assets.command('show').argument('<assetId>', 'full 32-hex asset id', assetIdArg).description('show one asset with its files and copy progress'))
    .addHelpText('after', '\nExample:\n  assetbridge assets show 8cb2f48a2cb006154794741933421100 --region ap-southeast-3 --json')
    .action(async (id: string, o: RegionOptions) => {
      context.assetId = id;
      const a = await regionClient(o).ok('GET', `/digital-assets/${id}`);
      result(a, () =>
        [
          `${a.asset_name} (${a.asset_id})  ${a.asset_state}  ${a.asset_type}`,
          ...(a.replication ? [`copy from ${a.replication.source_region}: ${a.replication.state} ${a.replication.files_done}/${a.replication.files_total} files, ${formatBytes(a.replication.bytes_done)}/${formatBytes(a.replication.bytes_total)}`] : []),
          ...(a.files as Json[]).map((f) => `  ${f.file_id}  ${String(f.asset_file_category).padEnd(6)} ${f.state.padEnd(8)} ${formatBytes(f.file_size).padStart(10)}  ${f.file_name}`),
        ].join('\n'),
      );
    });
  withRegionOptions(assets.command('create <name>').description('create an empty asset'))
    .requiredOption('--type <type>', `asset type: ${assetTypes.join(', ')}`, oneOf(assetTypes))
    .option('--description <text>', 'description')
    .addHelpText('after', '\nExample:\n  assetbridge assets create portrait --type IMAGE')
    .action(async (name: string, o: RegionOptions & { type: string; description?: string }) => {
      const res = await regionClient(o).ok('POST', '/digital-assets', { body: { asset_name: name, asset_type: o.type, asset_description: o.description } });
      result(res, () => `created ${res.asset_id}`);
    });
  withRegionOptions(assets.command('rm').argument('<assetId>', 'full 32-hex asset id', assetIdArg).description('delete to the recycle bin (or for good with --force)'))
    .option('--force', 'delete for good, with its files')
    .addHelpText('after', '\nExamples:\n  assetbridge assets rm 8cb2f48a2cb006154794741933421100\n  assetbridge assets rm 8cb2f48a2cb006154794741933421100 --force')
    .action(async (id: string, o: RegionOptions & { force?: boolean }) => {
      context.assetId = id;
      await regionClient(o).ok('DELETE', `/digital-assets/${id}`, { query: o.force ? { mode: 'force' } : {} });
      result({ asset_id: id, deleted: o.force ? 'DELETED' : 'DELETING' }, () => (o.force ? `deleted ${id} for good` : `moved ${id} to the recycle bin`));
    });
  withRegionOptions(assets.command('restore').argument('<assetId>', 'full 32-hex asset id', assetIdArg).description('bring an asset back from the recycle bin'))
    .addHelpText('after', '\nExample:\n  assetbridge assets restore 8cb2f48a2cb006154794741933421100')
    .action(async (id: string, o: RegionOptions) => {
      context.assetId = id;
      await regionClient(o).ok('POST', `/digital-assets/${id}/restore`);
      result({ asset_id: id }, () => `restored ${id}`);
    });
  registerUnblockCommand(assets);
}
