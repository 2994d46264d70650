import type { Command } from 'commander';
import { IdentityError, openOperatorIdentity, type IdentityService } from '../start/operator.js';
import { readSecret } from './secret-input.js';

type Json = { json?: boolean };

/** Runs an action on the identity store and always closes it (it holds a pool). */
async function withIdentity(action: (identity: IdentityService) => Promise<void>): Promise<void> {
  const identity = await openOperatorIdentity(process.env);
  try {
    await action(identity);
  } finally {
    await identity.close();
  }
}

const print = (json: boolean | undefined, value: unknown, text: () => string): void => {
  console.log(json ? JSON.stringify(value, null, 2) : text());
};

/** Text for a list: one line per item, or a line saying there is none. */
const lines = <T>(items: T[], none: string, line: (item: T) => string): string => (items.length ? items.map(line).join('\n') : none);

const example = (...commands: string[]): string => `\nExample:\n${commands.map((c) => `  assetbridge iam ${c}`).join('\n')}`;

/** `assetbridge iam ...`: operator commands working on the identity store directly. */
export function registerIamCommands(program: Command): void {
  const iam = program
    .command('iam')
    .description('accounts, users, AK/SK pairs and projects (works on the identity store directly)')
    .addHelpText(
      'after',
      `
Settings: ASSETBRIDGE_MASTER_KEY and ASSETBRIDGE_IDENTITY_DATABASE_URL (env or ASSETBRIDGE_CONFIG_FILE).
Without a master key: the local mode's <data dir>/local-state.json and sqlite:<data dir>/identity.db
(ASSETBRIDGE_DATA_DIR, default ./data), so after \`npm start\` the commands need no settings.
${example('account create acme', 'key create --account acme', 'projects --account acme')}`,
    );

  const account = iam.command('account').description('accounts (domains)');
  account
    .command('create <name>')
    .description('create an account with a project in every known region')
    .option('--json', 'machine-readable output')
    .addHelpText('after', example('account create acme', 'account create acme --json'))
    .action((name: string, o: Json) =>
      withIdentity(async (identity) => {
        const { account: a, projects } = await identity.createAccount(name);
        print(o.json, { id: a.id, name: a.name, projects: projects.map((p) => ({ region: p.region, project_id: p.id })) }, () =>
          [`account ${a.name} (${a.id})`, lines(projects, '  (no regions yet: each gets a project when it starts)', (p) => `  ${p.region}: project ${p.id}`)].join('\n'),
        );
      }),
    );
  account
    .command('list')
    .description('list the accounts')
    .option('--json', 'machine-readable output')
    .addHelpText('after', example('account list --json'))
    .action((o: Json) =>
      withIdentity(async (identity) => {
        const all = await identity.listAccounts();
        print(o.json, all.map((a) => ({ id: a.id, name: a.name, created_at: a.createdAt })), () => lines(all, '(no accounts)', (a) => `${a.name}  ${a.id}`));
      }),
    );
  account
    .command('delete <name>')
    .description('delete an account with its users, keys and projects (its assets stay in the regions)')
    .option('--yes', 'confirm (required)')
    .addHelpText('after', example('account delete acme --yes'))
    .action(async (name: string, o: { yes?: boolean }) => {
      if (!o.yes) throw new IdentityError(`refusing to delete account "${name}" without --yes`);
      await withIdentity(async (identity) => {
        await identity.deleteAccount(name);
        console.log(`deleted account ${name}`);
      });
    });

  const user = iam.command('user').description('IAM users (password sign-in for tokens)');
  user
    .command('create <name>')
    .description('create an IAM user in an account')
    .requiredOption('--account <account>', 'account name')
    .option('--password <password>', 'password (default: generated and printed once)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', example('user create --account acme alice', "user create --account acme bob --password 'a long passphrase'"))
    .action((name: string, o: Json & { account: string; password?: string }) =>
      withIdentity(async (identity) => {
        const { user: u, password } = await identity.createUser(o.account, name, o.password);
        const shown = o.password ? undefined : password;
        print(o.json, { id: u.id, name: u.name, password: shown }, () => `user ${u.name} (${u.id})${shown ? `\npassword (shown once): ${shown}` : ''}`);
      }),
    );
  user
    .command('list')
    .description("list an account's users")
    .requiredOption('--account <account>', 'account name')
    .option('--json', 'machine-readable output')
    .addHelpText('after', example('user list --account acme'))
    .action((o: Json & { account: string }) =>
      withIdentity(async (identity) => {
        const users = await identity.listUsers(o.account);
        print(o.json, users.map((u) => ({ id: u.id, name: u.name, enabled: u.enabled })), () => lines(users, '(no users)', (u) => `${u.name}  ${u.id}${u.enabled ? '' : '  disabled'}`));
      }),
    );
  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    user
      .command(`${verb} <name>`)
      .description(
        enabled
          ? 'let a disabled user sign in again (its keys and unexpired tokens work again)'
          : "stop a user: no sign-in, and its tokens and access keys are refused within 2 s (kept; enable undoes)",
      )
      .requiredOption('--account <account>', 'account name')
      .addHelpText('after', example(`user ${verb} --account acme alice`))
      .action((name: string, o: { account: string }) =>
        withIdentity(async (identity) => {
          await identity.setUserEnabled(o.account, name, enabled);
          console.log(`user ${name} ${verb}d`);
        }),
      );
  }
  user
    .command('delete <name>')
    .description('delete a user and its access keys; its tokens are refused within 2 s')
    .requiredOption('--account <account>', 'account name')
    .addHelpText('after', example('user delete --account acme alice'))
    .action((name: string, o: { account: string }) =>
      withIdentity(async (identity) => {
        await identity.deleteUser(o.account, name);
        console.log(`user ${name} deleted`);
      }),
    );
  user
    .command('set-password <name>')
    .description("set a user's password (first line of stdin, or typed at a prompt); tokens issued before are refused within 2 s")
    .requiredOption('--account <account>', 'account name')
    .addHelpText('after', example("user set-password --account acme alice          (prompts)", "printf '%s\\n' \"$NEW_PASSWORD\" | assetbridge iam user set-password --account acme alice"))
    .action(async (name: string, o: { account: string }) => {
      const password = await readSecret('new password');
      await withIdentity(async (identity) => {
        await identity.setPassword(o.account, name, password);
        console.log(`password of user ${name} changed`);
      });
    });

  const key = iam.command('key').description('AK/SK pairs');
  key
    .command('create')
    .description('create an AK/SK pair (the SK is shown once)')
    .requiredOption('--account <account>', 'account name')
    .option('--user <user>', 'the IAM user the key belongs to')
    .option('--description <text>', 'what the key is for')
    .option('--json', 'machine-readable output')
    .addHelpText('after', example("key create --account acme --user alice --description 'render farm'"))
    .action((o: Json & { account: string; user?: string; description?: string }) =>
      withIdentity(async (identity) => {
        const k = await identity.createCredential(o.account, { userName: o.user, description: o.description });
        print(o.json, { access_key: k.accessKey, secret_key: k.secretKey }, () => `access key: ${k.accessKey}\nsecret key: ${k.secretKey}\n(the secret key is shown once)`);
      }),
    );
  key
    .command('list')
    .description("list an account's access keys (never their secret keys)")
    .requiredOption('--account <account>', 'account name')
    .option('--json', 'machine-readable output')
    .addHelpText('after', example('key list --account acme'))
    .action((o: Json & { account: string }) =>
      withIdentity(async (identity) => {
        const keys = await identity.listCredentials(o.account);
        print(o.json, keys.map((k) => ({ access_key: k.accessKey, enabled: k.enabled, description: k.description, created_at: k.createdAt })), () =>
          lines(keys, '(no access keys)', (k) => `${k.accessKey}  ${k.enabled ? 'enabled ' : 'disabled'}  ${k.description ?? ''}`.trimEnd()),
        );
      }),
    );
  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    key
      .command(`${verb} <accessKey>`)
      .description(enabled ? 'let a disabled access key sign requests again' : 'stop an access key from signing requests (kept; enable undoes)')
      .addHelpText('after', example(`key ${verb} ABCDEFGHIJKLMNOPQRST`))
      .action((ak: string) =>
        withIdentity(async (identity) => {
          await identity.setCredentialEnabled(ak, enabled);
          console.log(`${ak} ${verb}d`);
        }),
      );
  }
  key
    .command('delete <accessKey>')
    .description('delete an access key for good')
    .addHelpText('after', example('key delete ABCDEFGHIJKLMNOPQRST'))
    .action((ak: string) =>
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
    .addHelpText('after', example('projects --account acme'))
    .action((o: Json & { account: string }) =>
      withIdentity(async (identity) => {
        const projects = await identity.projects(o.account);
        print(o.json, projects.map((p) => ({ region: p.region, project_id: p.id })), () => lines(projects, '(no projects: no region has registered yet)', (p) => `${p.region}  ${p.id}`));
      }),
    );
  iam
    .command('regions')
    .description('regions registered in the identity store, with their endpoints')
    .option('--json', 'machine-readable output')
    .addHelpText('after', example('regions'))
    .action((o: Json) =>
      withIdentity(async (identity) => {
        const regions = await identity.listRegions();
        print(o.json, regions.map((r) => ({ name: r.name, endpoint: r.endpoint })), () => lines(regions, '(no regions: a region registers when it starts)', (r) => `${r.name}  ${r.endpoint}`));
      }),
    );
}
