import type { Command } from 'commander';
import type { ApiClient } from '../client/api-client.js';
import { clientFor, loadProfile } from './profile.js';
import { formatBytes, ProgressBar } from './progress.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
type Json = any;
type Options = { from: string; to: string; wait?: boolean; all?: boolean; filter?: string; json?: boolean; profile?: string };

/** Region A seals, region B imports: the copy flow of the product, through the public API. */
async function startCopy(from: ApiClient, to: ApiClient, assetId: string): Promise<Json> {
  const info = (await from.ok('GET', `/digital-assets/${assetId}/replication-info`));
  return to.ok('POST', '/digital-assets-by-replication-info', {
    body: { asset_id: info.asset_id, asset_info: info.asset_info, encryption_info: info.encryption_info },
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls region B until the copy leaves CREATING, drawing a bar of files and bytes. */
async function waitFor(to: ApiClient, assetId: string, bar?: ProgressBar): Promise<Json> {
  for (;;) {
    const a = (await to.ok('GET', `/digital-assets/${assetId}`));
    const r = a.replication ?? {};
    bar?.update(r.bytes_done ?? 0, r.bytes_total ?? 0, `files ${r.files_done ?? 0}/${r.files_total ?? 0}  ${formatBytes(r.bytes_done ?? 0)}/${formatBytes(r.bytes_total ?? 0)}`);
    if (a.asset_state !== 'CREATING') return a;
    await sleep(250);
  }
}

export function registerCopyCommands(program: Command): void {
  program
    .command('copy [assetId]')
    .description('copy an asset (or --all) from one region to another')
    .requiredOption('--from <region>', 'source region')
    .requiredOption('--to <region>', 'target region')
    .option('--wait', 'show progress until the copy ends (exit 1 if it fails)')
    .option('--all', 'copy every ACTIVED asset of the source region (with --filter: whose name contains it)')
    .option('--filter <text>', 'with --all: only assets whose name contains this')
    .option('--profile <name>', 'profile in the CLI config file')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  assetbridge copy 8cb2f48a2cb006154794741933421100 --from cn-north-4 --to ap-southeast-3 --wait\n  assetbridge copy --all --from cn-north-4 --to ap-southeast-3 --filter demo')
    .action(async (assetId: string | undefined, o: Options, command: Command) => {
      const profile = loadProfile(process.env, o.profile);
      const from = clientFor(profile, o.from);
      const to = clientFor(profile, o.to);
      if (!o.all) {
        if (!assetId) command.error('error: name an asset id, or use --all');
        const started = (await startCopy(from, to, assetId));
        if (!o.wait) {
          console.log(o.json ? JSON.stringify(started) : `copy of ${assetId} to ${o.to}: ${started.asset_state}`);
          return;
        }
        const bar = o.json ? undefined : new ProgressBar(`${assetId.slice(0, 8)} ${o.from} -> ${o.to}`);
        const end = await waitFor(to, assetId, bar);
        const r = end.replication ?? {};
        if (o.json) console.log(JSON.stringify({ asset_id: assetId, asset_state: end.asset_state, replication: r }));
        else bar?.done(end.asset_state === 'ACTIVED' ? `${assetId}: ACTIVED in ${o.to} (${r.files_total} files, ${formatBytes(r.bytes_total ?? 0)})` : `${assetId}: FAILED (${r.failure_code}): ${end.reason}`);
        if (end.asset_state !== 'ACTIVED') {
          if (!o.json) console.error('next: fix the cause, then run the same copy again (a failed copy restarts)');
          process.exitCode = 1;
        }
        return;
      }
      const ids: string[] = [];
      for (let offset = 0; ; offset += 100) {
        const page = (await from.ok('GET', '/digital-assets', { query: { asset_state: 'ACTIVED', limit: '100', offset: String(offset), ...(o.filter ? { name: o.filter } : {}) } }));
        ids.push(...(page.assets as Json[]).map((a) => a.asset_id as string));
        if (offset + 100 >= page.count) break;
      }
      const bar = o.json ? undefined : new ProgressBar(`${ids.length} assets ${o.from} -> ${o.to}`);
      const results: { asset_id: string; asset_state: string; failure_code?: string }[] = [];
      for (const id of ids) await startCopy(from, to, id);
      for (const id of ids) {
        const end = o.wait === false ? undefined : await waitFor(to, id);
        results.push({ asset_id: id, asset_state: end?.asset_state ?? 'CREATING', failure_code: end?.replication?.failure_code });
        bar?.update(results.length, ids.length, `${results.length}/${ids.length}`);
      }
      const failed = results.filter((r) => r.asset_state !== 'ACTIVED');
      if (o.json) console.log(JSON.stringify({ total: ids.length, actived: ids.length - failed.length, failed }));
      else bar?.done(`copied ${ids.length - failed.length}/${ids.length} assets to ${o.to}${failed.length ? `; failed: ${failed.map((f) => `${f.asset_id} (${f.failure_code})`).join(', ')}` : ''}`);
      if (failed.length) process.exitCode = 1;
    });
}
