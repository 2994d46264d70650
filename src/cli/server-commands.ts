import type { Command } from 'commander';

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
    .action(async () => {
      const { runServer } = await import('../start/main.js');
      await runServer('region', process.env);
    });
}
