import type { Command } from 'commander';
import type { IdentityService } from '../services/identity/identity-service.js';
import { openIdentity } from '../start/identity.js';
import { identitySettings } from './identity-settings.js';

type Json = { json?: boolean };

/** Runs an action on the identity store and always closes it (it holds a pool). */
async function withIdentity(action: (identity: IdentityService) => Promise<void>): Promise<void> {
  const identity = await openIdentity(identitySettings(process.env));
  try {
    await action(identity);
  } finally {
    await identity.close();
  }
}

const print = (json: boolean | undefined, value: unknown, text: () => string): void => {
  console.log(json ? JSON.stringify(value, null, 2) : text());
};

/** `assetbridge iam ...`: operator commands working on the identity store directly. */
export function registerIamCommands(program: Command): void {
  const iam = program
    .command('iam')
    .description('accounts, users, AK/SK pairs and projects (works on the identity store directly)')
    .addHelpText('after', '\nSettings: ASSETBRIDGE_IDENTITY_DATABASE_URL and ASSETBRIDGE_MASTER_KEY, or the local mode store in ASSETBRIDGE_DATA_DIR (default ./data).');

  const account = iam.command('account').description('accounts (domains)');
  account
    .command('create <name>')
    .description('create an account with a project in every known region')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  assetbridge iam account create acme')
    .action((name: string, o: Json) =>
      withIdentity(async (identity) => {
        const { account: a, projects } = await identity.createAccount(name);
        print(o.json, { id: a.id, name: a.name, projects: projects.map((p) => ({ region: p.region, project_id: p.id })) }, () =>
          [`account ${a.name} (${a.id})`, ...projects.map((p) => `  ${p.region}: project ${p.id}`)].join('\n'),
        );
      }),
    );
  account
    .command('list')
    .option('--json', 'machine-readable output')
    .action((o: Json) =>
      withIdentity(async (identity) => {
        const all = await identity.listAccounts();
        print(o.json, all.map((a) => ({ id: a.id, name: a.name, created_at: a.createdAt })), () => all.map((a) => `${a.name}  ${a.id}`).join('\n'));
      }),
    );
  account
    .command('delete <name>')
    .description('delete an account with its users, keys and projects (its assets stay in the regions)')
    .option('--yes', 'confirm')
    .action((name: string, o: { yes?: boolean }) =>
      withIdentity(async (identity) => {
        if (!o.yes) throw new Error(`refusing to delete account "${name}" without --yes`);
        await identity.deleteAccount(name);
        console.log(`deleted account ${name}`);
      }),
    );

  const user = iam.command('user').description('IAM users (password sign-in for tokens)');
  user
    .command('create <name>')
    .requiredOption('--account <account>', 'account name')
    .option('--password <password>', 'password (default: generated and printed once)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  assetbridge iam user create --account acme alice')
    .action((name: string, o: Json & { account: string; password?: string }) =>
      withIdentity(async (identity) => {
        const { user: u, password } = await identity.createUser(o.account, name, o.password);
        const shown = o.password ? undefined : password;
        print(o.json, { id: u.id, name: u.name, password: shown }, () => `user ${u.name} (${u.id})${shown ? `\npassword (shown once): ${shown}` : ''}`);
      }),
    );
  user
    .command('list')
    .requiredOption('--account <account>', 'account name')
    .option('--json', 'machine-readable output')
    .action((o: Json & { account: string }) =>
      withIdentity(async (identity) => {
        const users = await identity.listUsers(o.account);
        print(o.json, users.map((u) => ({ id: u.id, name: u.name, enabled: u.enabled })), () => users.map((u) => `${u.name}  ${u.id}`).join('\n'));
      }),
    );

  const key = iam.command('key').description('AK/SK pairs');
  key
    .command('create')
    .requiredOption('--account <account>', 'account name')
    .option('--user <user>', 'the IAM user the key belongs to')
    .option('--description <text>', 'what the key is for')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  assetbridge iam key create --account acme --user alice')
    .action((o: Json & { account: string; user?: string; description?: string }) =>
      withIdentity(async (identity) => {
        const k = await identity.createCredential(o.account, { userName: o.user, description: o.description });
        print(o.json, { access_key: k.accessKey, secret_key: k.secretKey }, () => `access key: ${k.accessKey}\nsecret key: ${k.secretKey}\n(the secret key is shown once)`);
      }),
    );
  key
    .command('list')
    .requiredOption('--account <account>', 'account name')
    .option('--json', 'machine-readable output')
    .action((o: Json & { account: string }) =>
      withIdentity(async (identity) => {
        const keys = await identity.listCredentials(o.account);
        print(o.json, keys.map((k) => ({ access_key: k.accessKey, enabled: k.enabled, description: k.description, created_at: k.createdAt })), () =>
          keys.map((k) => `${k.accessKey}  ${k.enabled ? 'enabled ' : 'disabled'}  ${k.description ?? ''}`).join('\n'),
        );
      }),
    );
  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    key.command(`${verb} <accessKey>`).action((ak: string) =>
      withIdentity(async (identity) => {
        await identity.setCredentialEnabled(ak, enabled);
        console.log(`${ak} ${verb}d`);
      }),
    );
  }
  key.command('delete <accessKey>').action((ak: string) =>
    withIdentity(async (identity) => {
      await identity.deleteCredential(ak);
      console.log(`${ak} deleted`);
    }),
  );

  iam
    .command('projects')
    .description("an account's project id in each region")
    .requiredOption('--account <account>', 'account name')
    .option('--json', 'machine-readable output')
    .action((o: Json & { account: string }) =>
      withIdentity(async (identity) => {
        const projects = await identity.projects(o.account);
        print(o.json, projects.map((p) => ({ region: p.region, project_id: p.id })), () => projects.map((p) => `${p.region}  ${p.id}`).join('\n'));
      }),
    );
  iam
    .command('regions')
    .description('regions registered in the identity store')
    .option('--json', 'machine-readable output')
    .action((o: Json) =>
      withIdentity(async (identity) => {
        const regions = await identity.listRegions();
        print(o.json, regions.map((r) => ({ name: r.name, endpoint: r.endpoint })), () => regions.map((r) => `${r.name}  ${r.endpoint}`).join('\n'));
      }),
    );
}
