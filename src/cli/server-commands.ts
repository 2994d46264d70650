import type { Command } from 'commander';

/** `start` (local mode) and `serve` (one region from config) run the server in this process. */
export function registerServerCommands(program: Command): void {
  program
    .command('start')
    .description('local mode: every local region in one process, embedded storage (as npm start)')
    .action(async () => {
      process.argv[2] = 'local';
      await import('../start/main.js');
    });
  program
    .command('serve')
    .description('serve one region from config (ASSETBRIDGE_* variables or ASSETBRIDGE_CONFIG_FILE)')
    .action(async () => {
      process.argv[2] = 'region';
      await import('../start/main.js');
    });
}
