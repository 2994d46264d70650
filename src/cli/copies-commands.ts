import { Option, type Command } from 'commander';
import { copyTaskStates, openOperatorCopies, type CopyOperations, type CopyTask } from '../start/operator.js';
import { formatBytes } from './progress.js';

type Where = { project?: string; region?: string; json?: boolean };

/** Runs an action on a region's copies and always closes the database (it holds a pool). */
async function withCopies(o: Where, action: (copies: CopyOperations) => Promise<void>): Promise<void> {
  const opened = await openOperatorCopies(process.env, o.region);
  try {
    await action(opened.copies);
  } finally {
    await opened.close();
  }
}

const asJson = (t: CopyTask) => ({
  project_id: t.projectId,
  asset_id: t.assetId,
  state: t.state,
  source_region: t.sourceRegion,
  source_asset_id: t.sourceAssetId,
  files_done: t.filesDone,
  files_total: t.files.length,
  bytes_done: t.bytesDone,
  bytes_total: t.bytesTotal,
  attempts: t.attempts,
  claims: t.claims ?? 0,
  last_error: t.lastError,
  failure_code: t.failureCode,
  lease_owner: t.leaseOwner,
  lease_expires_at: t.leaseExpiresAt,
  next_run_at: t.nextRunAt,
  deadline: t.deadline,
  started_at: t.startedAt,
  finished_at: t.finishedAt,
});

const percent = (t: CopyTask) => (t.bytesTotal > 0 ? Math.floor((100 * t.bytesDone) / t.bytesTotal) : 100);

/** One line per copy: the ids in full, then state, progress, attempts and the last error. */
function line(t: CopyTask): string {
  const progress = `${t.filesDone}/${t.files.length} files ${formatBytes(t.bytesDone)}/${formatBytes(t.bytesTotal)} (${percent(t)}%)`;
  const error = [t.failureCode, t.lastError].filter(Boolean).join(': ');
  return `${t.assetId}  ${t.projectId}  ${t.state.padEnd(9)}  ${progress}  attempts ${t.attempts}  from ${t.sourceRegion}${error ? `  ${error}` : ''}`;
}

const where = (c: Command): Command =>
  c
    .option('--project <project_id>', 'the project the copy belongs to (needed only when several projects hold a copy of that asset id)')
    .option('--region <name>', 'local mode: the region whose data folder to read (<DATA_DIR>/<name>)');

const example = (...commands: string[]): string => `\nExample:\n${commands.map((c) => `  assetbridge copies ${c}`).join('\n')}`;

/** `assetbridge copies ...`: operator commands on the copies coming into a region, read from its database directly. */
export function registerCopiesCommands(program: Command): void {
  const copies = program
    .command('copies')
    .description("copies into a region across all projects: list, retry, cancel (works on the region's database directly)")
    .addHelpText(
      'after',
      `
Settings: ASSETBRIDGE_DATABASE_URL (env or ASSETBRIDGE_CONFIG_FILE), else <DATA_DIR>/metadata.db,
or with --region NAME the local mode's <DATA_DIR>/NAME/metadata.db (ASSETBRIDGE_DATA_DIR, default ./data).
${example('ls', 'ls --state FAILED --json', 'retry 0123456789abcdef0123456789abcdef', 'cancel 0123456789abcdef0123456789abcdef')}`,
    );

  where(
    copies
      .command('ls')
      .description('list copies, newest first: state, progress, attempts, last error')
      .addOption(new Option('--state <state>', 'only copies in this state').choices([...copyTaskStates]))
      .option('--limit <n>', 'at most this many (default 1000)', (v) => {
        if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`--limit must be a positive integer (got "${v}")`);
        return Number(v);
      })
      .option('--json', 'machine-readable output'),
  )
    .addHelpText('after', example('ls', 'ls --project 9f0e... --state CREATING', 'ls --region ap-southeast-3 --json'))
    .action((o: Where & { state?: CopyTask['state']; limit?: number }) =>
      withCopies(o, async (c) => {
        const tasks = await c.list({ projectId: o.project, states: o.state ? [o.state] : undefined, limit: o.limit });
        console.log(o.json ? JSON.stringify(tasks.map(asJson), null, 2) : tasks.length ? tasks.map(line).join('\n') : '(no copies)');
      }),
    );

  const actions = [
    {
      verb: 'retry',
      description: 'run a FAILED copy again from byte 0 (only before its copy window ends; after that, post the replication info again)',
      run: (c: CopyOperations, id: string, project?: string) => c.retry(id, project),
      done: 'retrying (CREATING); a worker of the region takes it within a second',
    },
    {
      verb: 'cancel',
      description: 'stop a copy in progress: its asset turns FAILED (reason "cancelled by operator"); what it stored is removed',
      run: (c: CopyOperations, id: string, project?: string) => c.cancel(id, project),
      done: 'cancelled; its asset is FAILED (cancelled by operator)',
    },
  ];
  for (const a of actions) {
    where(copies.command(`${a.verb} <asset_id>`).description(a.description).option('--json', 'machine-readable output'))
      .addHelpText('after', example(`${a.verb} 0123456789abcdef0123456789abcdef`))
      .action((assetId: string, o: Where) =>
        withCopies(o, async (c) => {
          const t = await a.run(c, assetId, o.project);
          console.log(o.json ? JSON.stringify(asJson(t), null, 2) : `${t.assetId}: ${a.done}`);
        }),
      );
  }
}
