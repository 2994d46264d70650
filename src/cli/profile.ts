import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { ApiClient, type ApiResponse, type CallOptions, type RegionCredentials } from '../client/api-client.js';
import { CliError, context, UnreachableError } from './output.js';

/** Where and how to reach every region of a deployment. */
export interface Profile {
  accessKey: string;
  secretKey: string;
  regions: { name: string; endpoint: string; projectId: string }[];
}

/** A profile as stored: the shape of the local mode's `local.json`. */
export interface ProfileJson {
  access_key: string;
  secret_key: string;
  regions: { name: string; endpoint: string; project_id: string }[];
}

export class ProfileError extends CliError {
  constructor(message: string, next = 'write a profile with assetbridge configure, or start the local mode (assetbridge start)') {
    super(message, next, 'CLI.PROFILE');
    this.name = 'ProfileError';
  }
}

const fromJson = (j: ProfileJson): Profile => ({
  accessKey: j.access_key,
  secretKey: j.secret_key,
  regions: j.regions.map((r) => ({ name: r.name, endpoint: r.endpoint, projectId: r.project_id })),
});

/** The CLI config file: ASSETBRIDGE_CLI_CONFIG, default ~/.config/assetbridge/config.json. */
export const configFileOf = (env: NodeJS.ProcessEnv): string => env.ASSETBRIDGE_CLI_CONFIG ?? path.join(homedir(), '.config', 'assetbridge', 'config.json');

/** The profiles of the config file (none when it does not exist); refuses a file others can read. */
export function readProfiles(configFile: string): Record<string, ProfileJson> {
  if (!existsSync(configFile)) return {};
  if ((statSync(configFile).mode & 0o077) !== 0) throw new ProfileError(`${configFile} must not be readable by others`, `chmod 600 ${configFile}`);
  return (JSON.parse(readFileSync(configFile, 'utf8')) as { profiles?: Record<string, ProfileJson> }).profiles ?? {};
}

/**
 * The profile. `--profile NAME` (else ASSETBRIDGE_PROFILE) selects that profile of the config
 * file whole. Otherwise the base is the profile "default", else the local mode's `local.json`
 * in ASSETBRIDGE_DATA_DIR (default ./data); ASSETBRIDGE_ACCESS_KEY + ASSETBRIDGE_SECRET_KEY
 * (both or neither) replace its keys and ASSETBRIDGE_REGIONS (`name=endpoint=project,...`)
 * its regions.
 */
export function loadProfile(env: NodeJS.ProcessEnv, flag?: string): Profile {
  const configFile = configFileOf(env);
  const name = flag ?? (env.ASSETBRIDGE_PROFILE || undefined);
  if (name) {
    const found = readProfiles(configFile)[name];
    if (!found) throw new ProfileError(`no profile "${name}" in ${configFile}`, `assetbridge configure --profile ${name}`);
    return fromJson(found);
  }
  const ak = env.ASSETBRIDGE_ACCESS_KEY || undefined;
  const sk = env.ASSETBRIDGE_SECRET_KEY || undefined;
  if (ak && !sk) throw new ProfileError('ASSETBRIDGE_ACCESS_KEY is set but ASSETBRIDGE_SECRET_KEY is not', 'set ASSETBRIDGE_SECRET_KEY too, or unset ASSETBRIDGE_ACCESS_KEY');
  if (sk && !ak) throw new ProfileError('ASSETBRIDGE_SECRET_KEY is set but ASSETBRIDGE_ACCESS_KEY is not', 'set ASSETBRIDGE_ACCESS_KEY too, or unset ASSETBRIDGE_SECRET_KEY');
  const regions = env.ASSETBRIDGE_REGIONS ? parseRegions(env.ASSETBRIDGE_REGIONS) : undefined;
  const local = path.join(env.ASSETBRIDGE_DATA_DIR ?? './data', 'local.json');
  const def = readProfiles(configFile).default;
  const base = def ? fromJson(def) : existsSync(local) ? fromJson(JSON.parse(readFileSync(local, 'utf8')) as ProfileJson) : undefined;
  if (!base && !(ak && regions)) {
    throw new ProfileError(`no credentials: no profile "default" in ${configFile} and no ${local}`);
  }
  return {
    accessKey: ak ?? base?.accessKey ?? '',
    secretKey: sk ?? base?.secretKey ?? '',
    regions: regions ?? base?.regions ?? [],
  };
}

function parseRegions(text: string): Profile['regions'] {
  return text.split(',').map((item) => {
    const [region, endpoint, projectId] = item.split('=');
    if (!region || !endpoint || !projectId) throw new ProfileError(`ASSETBRIDGE_REGIONS must be name=endpoint=project_id,... (got "${item}")`, 'fix ASSETBRIDGE_REGIONS');
    return { name: region, endpoint, projectId };
  });
}

/** A client of one region, reporting a server that does not answer by its endpoint. */
export class RegionClient extends ApiClient {
  constructor(
    readonly region: string,
    opts: RegionCredentials,
  ) {
    super(opts);
  }

  override async call(method: string, urlPath: string, options: CallOptions = {}): Promise<ApiResponse> {
    try {
      return await super.call(method, urlPath, options);
    } catch (err) {
      // undici's network failure; other TypeErrors are bugs worth their own message.
      if (err instanceof TypeError && err.message === 'fetch failed') throw new UnreachableError(this.opts.endpoint, err);
      throw err;
    }
  }
}

/** A client of one region of the profile (default: its first region). */
export function clientFor(profile: Profile, region?: string): RegionClient {
  const r = region ? profile.regions.find((x) => x.name === region) : profile.regions[0];
  const known = profile.regions.map((x) => x.name).join(', ');
  if (!r) throw new ProfileError(`no region "${region ?? ''}" in the profile (known: ${known})`, `use one of: ${known}`);
  return new RegionClient(r.name, { endpoint: r.endpoint, projectId: r.projectId, accessKey: profile.accessKey, secretKey: profile.secretKey });
}

/** The options of every command that calls one region. */
export type RegionOptions = { json?: boolean; region?: string; profile?: string };

export const withRegionOptions = (c: Command): Command =>
  c.option('--region <name>', 'region of the profile (default: its first)').option('--profile <name>', 'profile in the CLI config file').option('--json', 'machine-readable output');

/** The client of the region the options name (noted in the context for the `next:` hints). */
export function regionClient(o: RegionOptions): RegionClient {
  const client = clientFor(loadProfile(process.env, o.profile), o.region);
  context.region = o.region;
  return client;
}
