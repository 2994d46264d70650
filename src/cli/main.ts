#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/index.js';
import { errorCatalogue, isAppError } from '../domain/errors.js';
import { IdentityError, KeyRingError } from '../start/operator.js';
import { ApiError } from '../client/api-client.js';
import { registerAssetsCommands } from './assets-commands.js';
import { registerCopiesCommands } from './copies-commands.js';
import { registerCopyCommands } from './copy-commands.js';
import { registerIamCommands } from './iam-commands.js';
import { ProfileError } from './profile.js';
import { registerServerCommands } from './server-commands.js';
import { registerKeysCommands } from './keys-commands.js';

/** Codes whose next step is more precise than their status's. */
const nextByCode: Record<string, string> = {
  [errorCatalogue.accessKeyLocked.code]: 'next: wait five minutes, then retry with the right secret key',
  [errorCatalogue.replicationAssetInRecycleBin.code]: 'next: restore the copy in the target region (assetbridge assets restore <id>)',
  [errorCatalogue.replicationExpired.code]: 'next: run the copy again (it seals fresh replication info)',
};

const program = new Command('assetbridge')
  .description('assetbridge: multi-region digital asset library (MetaStudio-compatible API)')
  .showHelpAfterError()
  .exitOverride();
registerServerCommands(program);
registerAssetsCommands(program);
registerCopyCommands(program);
registerCopiesCommands(program);
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
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof ConfigError) {
    console.error(`error: ${err.message}`);
    process.exit(2);
  }
  if (err instanceof ApiError) {
    console.error(`error: ${err.code} (${err.status}): ${err.message}${err.requestId ? ` [request ${err.requestId}]` : ''}`);
    console.error(nextStep(err));
    process.exit(1);
  }
  // Errors of ours carry a complete message; anything else is a bug worth its stack.
  const known = err instanceof ProfileError || err instanceof IdentityError || err instanceof KeyRingError || isAppError(err);
  console.error(`error: ${isAppError(err) ? `${err.code}: ` : ''}${err instanceof Error ? err.message : String(err)}`);
  if (!known) console.error(err);
  process.exit(1);
}

/** What to do about an API error, in a sentence: by its code, else by its status. */
function nextStep(err: ApiError): string {
  const byCode = nextByCode[err.code];
  if (byCode) return byCode;
  if (err.status === 401) return 'next: check the access key and secret key of the profile (assetbridge iam key list)';
  if (err.status === 403) return 'next: check that the profile\'s project belongs to the region you called';
  if (err.status === 404) return 'next: check the id (assetbridge assets ls)';
  if (err.status === 409) return 'next: look at the asset\'s state (assetbridge assets show <id>)';
  return 'next: fix the request as the message says';
}
