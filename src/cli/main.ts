#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config.js';
import { isAppError } from '../domain/errors.js';
import { IdentityError } from '../services/identity/identity-service.js';
import { KeyRingError } from '../services/replication/key-ring.js';
import { registerIamCommands } from './iam-commands.js';
import { registerKeysCommands } from './keys-commands.js';

const program = new Command('assetbridge')
  .description('assetbridge: multi-region digital asset library (MetaStudio-compatible API)')
  .showHelpAfterError()
  .exitOverride();
registerIamCommands(program);
registerKeysCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof ConfigError) {
    console.error(`error: ${err.message}`);
    process.exit(2);
  }
  const known = err instanceof IdentityError || err instanceof KeyRingError || isAppError(err) || (err instanceof Error && err.message.startsWith('refusing'));
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  if (!known) console.error(err);
  process.exit(1);
}
