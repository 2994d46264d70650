import type { Command } from 'commander';
import { ApiError } from '../client/api-client.js';
import { errorCatalogue } from '../domain/errors.js';
import { assetIdArg, CliError, context, note, onInterrupt, result } from './output.js';
import { clientFor, loadProfile, type RegionClient } from './profile.js';
import { formatBytes, ProgressBar } from './progress.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
type Json = any;
type Options = { from: string; to: string; wait?: boolean; all?: boolean; filter?: string; dryRun?: boolean; json?: boolean; profile?: string };

/** Region A seals, region B imports: the copy flow of the product, through the public API. */
async function startCopy(from: RegionClient, to: RegionClient, assetId: string): Promise<Json> {
  const info = await from.ok('GET', `/digital-assets/${assetId}/replication-info`);
  return to.ok('POST', '/digital-assets-by-replication-info', {
    body: { asset_id: info.asset_id, asset_info: info.asset_info, encryption_info: info.encryption_info },
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls region B until the copy leaves CREATING, drawing a bar of files and bytes. */
async function waitFor(to: RegionClient, assetId: string, bar?: ProgressBar): Promise<Json> {
  for (;;) {
    const a = await to.ok('GET', `/digital-assets/${assetId}`);
    const r = a.replication ?? {};
    bar?.update(r.bytes_done ?? 0, r.bytes_total ?? 0, `files ${r.files_done ?? 0}/${r.files_total ?? 0}  ${formatBytes(r.bytes_done ?? 0)}/${formatBytes(r.bytes_total ?? 0)}`);
    if (a.asset_state !== 'CREATING') return a;
    await sleep(250);
  }
}

const copyCommand = (id: string, o: Options): string => `assetbridge copy ${id} --from ${o.from} --to ${o.to} --wait`;

/** Why a copy that ran ended FAILED, in a line. */
const failureOf = (end: Json): string => `copy ended ${end.asset_state} (${end.replication?.failure_code ?? 'unknown'}): ${end.reason ?? end.replication?.last_error ?? ''}`.trimEnd();

/** One copy, optionally followed to its end; Ctrl-C leaves it running at the server. */
async function copyOne(from: RegionClient, to: RegionClient, id: string, o: Options): Promise<void> {
  const started = await startCopy(from, to, id);
  if (!o.wait) {
    result(started, () => `copy of ${id} to ${o.to}: ${started.asset_state}\nfollow it: ${copyCommand(id, o)}`);
    return;
  }
  onInterrupt(`interrupted: the copy of ${id} goes on at ${o.to}`, `${copyCommand(id, o)} (the same command attaches to the running copy)`);
  const bar = new ProgressBar(`${id} ${o.from} -> ${o.to}`);
  const end = await waitFor(to, id, bar);
  bar.end();
  const r = end.replication ?? {};
  if (end.asset_state !== 'ACTIVED') throw new CliError(`${id}: ${failureOf(end)}`, `fix the cause, then ${copyCommand(id, o)} (a failed copy restarts)`, 'CLI.COPY_FAILED');
  result({ asset_id: id, asset_state: end.asset_state, replication: r }, () => `${id}: ACTIVED in ${o.to} (${r.files_total} files, ${formatBytes(r.bytes_total ?? 0)})`);
}

type Outcome = 'copied' | 'started' | 'already_there' | 'skipped' | 'failed' | 'would_copy';
interface Item {
  asset_id: string;
  asset_name: string;
  result: Outcome;
  reason?: string;
  next?: string;
}

/** The source's assets (name containing `filter`), every page. */
async function sourceAssets(from: RegionClient, filter?: string): Promise<Json[]> {
  const all: Json[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = await from.ok('GET', '/digital-assets', { query: { limit: '100', offset: String(offset), ...(filter ? { name: filter } : {}) } });
    all.push(...(page.assets as Json[]));
    if (offset + 100 >= page.count) return all;
  }
}

/** What `copy --all` does with one asset, short of waiting for its copy. */
async function startItem(from: RegionClient, to: RegionClient, a: Json, o: Options): Promise<Item> {
  const item = { asset_id: a.asset_id as string, asset_name: a.asset_name as string };
  if (a.asset_state !== 'ACTIVED') return { ...item, result: 'skipped', reason: `source is ${a.asset_state}` };
  const there = await to.call('GET', `/digital-assets/${item.asset_id}`);
  if (there.status === 200 && there.body.asset_state === 'ACTIVED') return { ...item, result: 'already_there', reason: `ACTIVED in ${o.to}` };
  if (o.dryRun) return { ...item, result: 'would_copy', reason: there.status === 200 ? `${o.to} has it ${there.body.asset_state}` : undefined };
  try {
    await startCopy(from, to, item.asset_id);
    return { ...item, result: 'started' };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const inBin = err.code === errorCatalogue.replicationAssetInRecycleBin.code;
    return {
      ...item,
      result: 'failed',
      reason: `${err.code}: ${err.message}`,
      next: inBin ? `assetbridge assets restore ${item.asset_id} --region ${o.to}` : copyCommand(item.asset_id, o),
    };
  }
}

/** `copy --all`: every asset tried, failures listed, a summary; exit 1 if any failed. */
async function copyAll(from: RegionClient, to: RegionClient, o: Options): Promise<void> {
  const assets = await sourceAssets(from, o.filter);
  const items: Item[] = [];
  for (const a of assets) items.push(await startItem(from, to, a, o));
  const started = items.filter((i) => i.result === 'started');
  if (o.wait && started.length) {
    const again = `assetbridge copy --all --from ${o.from} --to ${o.to}${o.filter ? ` --filter ${o.filter}` : ''} --wait`;
    onInterrupt(`interrupted: the ${started.length} copies started go on at ${o.to}`, `${again} (assets already there are skipped)`);
    const bar = new ProgressBar(`${started.length} assets ${o.from} -> ${o.to}`, 'items');
    bar.update(0, started.length, `0/${started.length} assets`);
    for (const [n, item] of started.entries()) {
      const end = await waitFor(to, item.asset_id);
      if (end.asset_state === 'ACTIVED') item.result = 'copied';
      else Object.assign(item, { result: 'failed', reason: failureOf(end), next: copyCommand(item.asset_id, o) });
      bar.update(n + 1, started.length, `${n + 1}/${started.length} assets`);
    }
    bar.end();
  }
  const count = (r: Outcome) => items.filter((i) => i.result === r).length;
  const summary = {
    total: items.length,
    ...(o.dryRun ? { would_copy: count('would_copy') } : o.wait ? { copied: count('copied') } : { started: count('started') }),
    already_there: count('already_there'),
    skipped: count('skipped'),
    failed: count('failed'),
  };
  for (const i of items) {
    if (i.result === 'failed') note(`failed: ${i.asset_id} ${i.asset_name}: ${i.reason}${i.next ? `; next: ${i.next}` : ''}`);
  }
  result({ summary, items: items.map(({ asset_id, result: r, reason, next }) => ({ asset_id, result: r, reason: reason ?? null, next })) }, () =>
    [
      ...items.filter((i) => i.result !== 'failed' && (o.dryRun || i.result === 'skipped')).map((i) => `${i.result.replace('_', ' ')}: ${i.asset_id} ${i.asset_name}${i.reason ? ` (${i.reason})` : ''}`),
      `${o.from} -> ${o.to}: ${Object.entries(summary).map(([k, v]) => `${k.replace('_', ' ')} ${v}`).join(', ')}`,
    ].join('\n'),
  );
  if (summary.failed) process.exitCode = 1;
}

export function registerCopyCommands(program: Command): void {
  program
    .command('copy')
    .argument('[assetId]', 'full 32-hex asset id', assetIdArg)
    .description('copy an asset (or --all) from one region to another')
    .requiredOption('--from <region>', 'source region')
    .requiredOption('--to <region>', 'target region')
    .option('--wait', 'follow the copies until they end (exit 1 if one fails); without it they are started and go on at the server')
    .option('--all', 'copy every asset of the source region (with --filter: whose name contains it); goes on past failures')
    .option('--filter <text>', 'with --all: only assets whose name contains this')
    .option('--dry-run', 'with --all: list what would be copied, already there or skipped, and change nothing')
    .option('--profile <name>', 'profile in the CLI config file')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
With --all, an asset is skipped when it is not ACTIVED in the source (its state is named) or
already ACTIVED in the target; it fails when the target refuses it (a copy in the target's
recycle bin: assetbridge assets restore ID --region B) or its copy ends FAILED.

Examples:
  assetbridge copy 8cb2f48a2cb006154794741933421100 --from cn-north-4 --to ap-southeast-3 --wait
  assetbridge copy --all --from cn-north-4 --to ap-southeast-3 --filter demo --dry-run`,
    )
    .action(async (assetId: string | undefined, o: Options, command: Command) => {
      Object.assign(context, { assetId, from: o.from, to: o.to, region: o.from });
      const profile = loadProfile(process.env, o.profile);
      const from = clientFor(profile, o.from);
      const to = clientFor(profile, o.to);
      if (o.all) return copyAll(from, to, o);
      if (!assetId) command.error('error: name an asset id, or use --all');
      if (o.dryRun) command.error('error: --dry-run goes with --all');
      return copyOne(from, to, assetId, o);
    });
}
