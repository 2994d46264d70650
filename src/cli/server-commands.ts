import { Option, type Command } from 'commander';

/**
 * `start` (local mode) and `serve` (one region from config) run the server in this process.
 * The server code is loaded only when one of them runs.
 */
export function registerServerCommands(program: Command): void {
  program
    .command('start')
    .description('local mode: every local region in one process, embedded storage (as npm start)')
    .action(async () => {
      const { runServer } = await import('../start/main.js');
      await runServer('local', process.env);
    });
  program
    .command('serve')
    .description('serve one region from config (ASSETBRIDGE_* variables or ASSETBRIDGE_CONFIG_FILE)')
    .addOption(new Option('--role <role>', 'what this process does (wins over ASSETBRIDGE_ROLE; default all)').choices(['api', 'worker', 'all']))
    .addHelpText(
      'after',
      `
Roles: api serves the HTTP API; worker runs copies, sweepers, purges and expiries and answers
only /healthz, /readyz and /metrics; all does both. Several api and worker processes of one
region share its database and blob store.

Example:
  assetbridge serve --role api
  assetbridge serve --role worker`,
    )
    .action(async (o: { role?: string }) => {
      const { runServer } = await import('../start/main.js');
      await runServer('region', o.role ? { ...process.env, ASSETBRIDGE_ROLE: o.role } : process.env);
    });
}
