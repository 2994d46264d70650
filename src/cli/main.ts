#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerAssetsCommands } from './assets-commands.js';
import { registerCopiesCommands } from './copies-commands.js';
import { registerCompletionCommand } from './completion.js';
import { registerConfigureCommand } from './configure-command.js';
import { registerCopyCommands } from './copy-commands.js';
import { registerFileCommands } from './file-commands.js';
import { registerIamCommands } from './iam-commands.js';
import { reportFatal, withManners } from './output.js';
import { registerServerCommands } from './server-commands.js';
import { registerKeysCommands } from './keys-commands.js';
import { registerRulesCommands } from './rules-commands.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const program = withManners(new Command('assetbridge'), version).description('assetbridge: multi-region digital asset library (MetaStudio-compatible API)');
registerServerCommands(program);
registerAssetsCommands(program);
registerFileCommands(program);
registerCopyCommands(program);
registerCopiesCommands(program);
registerRulesCommands(program);
registerIamCommands(program);
registerKeysCommands(program);
registerConfigureCommand(program);
registerCompletionCommand(program);
program.addHelpText(
  'after',
  `
Credentials: --profile NAME (else ASSETBRIDGE_PROFILE) selects that profile of
~/.config/assetbridge/config.json (ASSETBRIDGE_CLI_CONFIG; written by assetbridge configure).
Otherwise the profile "default", else the local mode's ./data/local.json (ASSETBRIDGE_DATA_DIR),
with ASSETBRIDGE_ACCESS_KEY + ASSETBRIDGE_SECRET_KEY replacing its keys and
ASSETBRIDGE_REGIONS=name=endpoint=project,... its regions.

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
