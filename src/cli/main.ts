#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerAssetsCommands } from './assets-commands.js';
import { registerCopyCommands } from './copy-commands.js';
import { registerFileCommands } from './file-commands.js';
import { registerIamCommands } from './iam-commands.js';
import { reportFatal, withManners } from './output.js';
import { registerServerCommands } from './server-commands.js';
import { registerKeysCommands } from './keys-commands.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const program = withManners(new Command('assetbridge'), version).description('assetbridge: multi-region digital asset library (MetaStudio-compatible API)');
registerServerCommands(program);
registerAssetsCommands(program);
registerFileCommands(program);
registerCopyCommands(program);
registerIamCommands(program);
registerKeysCommands(program);
program.addHelpText(
  'after',
  `
Credentials: --profile NAME (from ~/.config/assetbridge/config.json, mode 0600), or
ASSETBRIDGE_ACCESS_KEY + ASSETBRIDGE_SECRET_KEY + ASSETBRIDGE_REGIONS=name=endpoint=project,...,
or by default the local mode's ./data/local.json (ASSETBRIDGE_DATA_DIR).

Examples:
  assetbridge start
  assetbridge upload portrait.png --type IMAGE
  assetbridge copy <asset_id> --from cn-north-4 --to ap-southeast-3 --wait`,
);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exit(reportFatal(err));
}
