import type { Command } from 'commander';
import { openOperatorAssets } from '../start/operator.js';
import { context, result } from './output.js';

/**
 * `assetbridge assets unblock`: an operator command on a region's metadata database (it reads
 * the server's settings, like `iam` and `copies`, unlike the client commands beside it).
 */
export function registerUnblockCommand(assets: Command): void {
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
      context.assetId = id;
      const store = await openOperatorAssets(process.env, o.localRegion);
      try {
        const a = await store.unblock(id, o.project);
        result({ asset_id: id, project_id: a.projectId, asset_state: a.assetState }, () => `unblocked ${id} (project ${a.projectId}): ${a.assetState}`);
      } finally {
        await store.close();
      }
    });
}
