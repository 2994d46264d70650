import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { CliError, fetchFrom, result } from './output.js';
import { configFileOf, readProfiles, RegionClient, type ProfileJson } from './profile.js';

/** All of stdin (the secret key piped in), trimmed. */
async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.trim();
}

/** Asks on the terminal; `secret` answers are not echoed. */
async function ask(question: string, secret = false): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (secret) {
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => write(s.startsWith(question) ? s : '');
  }
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
    if (secret) process.stderr.write('\n');
  }
}

const usage = (what: string) => new CliError(`${what} is required when stdin is not a terminal`, 'assetbridge configure --endpoint URL --access-key AK < secret-key-file', 'CLI.USAGE');

/** Writes the config file with mode 0600, all at once (a new file renamed over the old). */
function writeProfile(configFile: string, name: string, profile: ProfileJson): void {
  const profiles = { ...readProfiles(configFile), [name]: profile };
  mkdirSync(path.dirname(configFile), { recursive: true, mode: 0o700 });
  const temp = `${configFile}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify({ profiles }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, configFile);
}

/** `assetbridge configure`: writes a profile, finding the regions and project ids from the server. */
export function registerConfigureCommand(program: Command): void {
  program
    .command('configure')
    .description('write a profile to the CLI config file (regions and project ids found from the server)')
    .option('--profile <name>', 'profile to write (default: $ASSETBRIDGE_PROFILE, else "default")')
    .option('--endpoint <url>', 'endpoint of any region of the deployment (asked when not given)')
    .option('--access-key <ak>', 'access key (asked when not given)')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
The secret key is read from stdin when it is not a terminal, else asked without echo. The
config file is ASSETBRIDGE_CLI_CONFIG, default ~/.config/assetbridge/config.json (mode 0600).

Examples:
  assetbridge configure --endpoint https://assets.example.com --access-key AK1234 < sk.txt
  assetbridge configure --profile staging`,
    )
    .action(async (o: { profile?: string; endpoint?: string; accessKey?: string }) => {
      const name = o.profile ?? (process.env.ASSETBRIDGE_PROFILE || 'default');
      const tty = Boolean(process.stdin.isTTY);
      const endpoint = o.endpoint ?? (tty ? await ask('endpoint: ') : undefined);
      if (!endpoint) throw usage('--endpoint');
      const accessKey = o.accessKey ?? (tty ? await ask('access key: ') : undefined);
      if (!accessKey) throw usage('--access-key');
      const secretKey = tty ? await ask('secret key: ', true) : await readStdin();
      if (!secretKey) throw new CliError('no secret key given', 'pipe it in: assetbridge configure ... < secret-key-file', 'CLI.USAGE');

      const base = new URL(endpoint).origin;
      const answer = await fetchFrom(`${base}/console/config.json`);
      if (answer.status !== 200) throw new CliError(`${base} is not an assetbridge region (GET /console/config.json answered ${answer.status})`, 'check the endpoint', 'CLI.CONFIG');
      const config = (await answer.json()) as { region: string; regions: { name: string; endpoint: string }[] };
      // The region that answered comes first: it is the profile's default.
      const regions = [...config.regions].sort((x, y) => Number(y.name === config.region) - Number(x.name === config.region));
      const iam = new RegionClient('', { endpoint: base, projectId: '', accessKey, secretKey });
      const { projects } = (await iam.ok('GET', '/v3/projects', { absolutePath: true })) as { projects: { id: string; name: string }[] };
      const found = regions.flatMap((r) => {
        const project = projects.find((p) => p.name === r.name);
        return project ? [{ name: r.name, endpoint: r.endpoint, project_id: project.id }] : [];
      });
      if (!found.length) throw new CliError(`the account of ${accessKey} has no project in any region of ${base}`, 'assetbridge iam projects --account NAME (on the server)', 'CLI.CONFIG');
      const configFile = configFileOf(process.env);
      writeProfile(configFile, name, { access_key: accessKey, secret_key: secretKey, regions: found });
      result({ profile: name, config_file: configFile, regions: found }, () =>
        [`profile "${name}" written to ${configFile}`, ...found.map((r) => `  ${r.name}  ${r.endpoint}  project ${r.project_id}`)].join('\n'),
      );
    });
}
