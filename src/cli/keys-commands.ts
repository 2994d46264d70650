import type { Command } from 'commander';
import { operatorKeyRingFile } from '../config/index.js';
import { KeyRingFile } from '../start/operator.js';

/** `assetbridge keys ...`: operator commands on the replication key-ring file. */
export function registerKeysCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description('manage the replication key ring (a file every region of a deployment shares)')
    .option('--file <path>', 'key-ring file (default: $ASSETBRIDGE_KEYRING_FILE or <data dir>/keyring.json)')
    .addHelpText(
      'after',
      `
Rotation, across every region of the deployment:
  1. on one machine:   assetbridge keys generate            (prints a new key)
  2. on every region:  assetbridge keys add k2 --key <key>  (distribute)
  3. on every region:  assetbridge keys activate k2         (new seals use k2; k1 still opens)
  4. after the longest token lifetime (replication TTL + copy window):
     on every region:  assetbridge keys retire k1
Restart (or roll) the region processes after each step: the ring is read at start.`,
    );
  const ring = (): KeyRingFile => new KeyRingFile(keys.opts<{ file?: string }>().file ?? operatorKeyRingFile(process.env));

  keys
    .command('generate')
    .description('print a new random 16-byte key (base64); nothing is written')
    .action(() => console.log(KeyRingFile.generateKey()));
  keys
    .command('add <id>')
    .description('add a key to the ring')
    .option('--key <base64>', 'the key (default: a new random one)')
    .option('--activate', 'also make it the sealing key')
    .addHelpText('after', '\nExamples:\n  assetbridge keys add k2 --key "$(assetbridge keys generate)"\n  assetbridge keys add k1 --activate     (a new ring)')
    .action((id: string, o: { key?: string; activate?: boolean }) => {
      ring().add(id, o.key ?? KeyRingFile.generateKey(), o.activate ?? false);
      console.log(`added key ${id}${o.activate ? ' (active)' : ''}`);
    });
  keys
    .command('activate <id>')
    .description('make a key the one that seals new replication info')
    .action((id: string) => {
      ring().activate(id);
      console.log(`key ${id} is active`);
    });
  keys
    .command('retire <id>')
    .description('remove a key: replication info sealed with it no longer opens')
    .action((id: string) => {
      ring().retire(id);
      console.log(`key ${id} retired`);
    });
  keys
    .command('list')
    .description('list key ids (never the keys)')
    .option('--json', 'machine-readable output')
    .action((o: { json?: boolean }) => {
      const list = ring().list();
      if (o.json) console.log(JSON.stringify(list));
      else for (const k of list) console.log(`${k.id}${k.active ? '  (active)' : ''}`);
    });
}
