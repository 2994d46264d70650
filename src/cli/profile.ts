import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { ApiClient } from '../client/api-client.js';

/** Where and how to reach every region of a deployment. */
export interface Profile {
  accessKey: string;
  secretKey: string;
  regions: { name: string; endpoint: string; projectId: string }[];
}

export class ProfileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileError';
  }
}

interface LocalJson {
  access_key: string;
  secret_key: string;
  regions: { name: string; endpoint: string; project_id: string }[];
}

const fromJson = (j: LocalJson): Profile => ({
  accessKey: j.access_key,
  secretKey: j.secret_key,
  regions: j.regions.map((r) => ({ name: r.name, endpoint: r.endpoint, projectId: r.project_id })),
});

/**
 * The profile, first found: `--profile NAME` in the config file
 * (ASSETBRIDGE_CLI_CONFIG, default ~/.config/assetbridge/config.json, mode 0600, holding
 * `{"profiles": {NAME: <local.json shape>}}`); env ASSETBRIDGE_ACCESS_KEY +
 * ASSETBRIDGE_SECRET_KEY + ASSETBRIDGE_REGIONS (`name=endpoint=project,...`); the profile
 * "default" of the config file; the local mode's `local.json` in ASSETBRIDGE_DATA_DIR.
 */
export function loadProfile(env: NodeJS.ProcessEnv, name?: string): Profile {
  const configFile = env.ASSETBRIDGE_CLI_CONFIG ?? path.join(homedir(), '.config', 'assetbridge', 'config.json');
  const fromFile = (profile: string): Profile | undefined => {
    if (!existsSync(configFile)) return undefined;
    if ((statSync(configFile).mode & 0o077) !== 0) throw new ProfileError(`${configFile} must not be readable by others (chmod 600 ${configFile})`);
    const found = (JSON.parse(readFileSync(configFile, 'utf8')) as { profiles?: Record<string, LocalJson> }).profiles?.[profile];
    return found && fromJson(found);
  };
  if (name) {
    const p = fromFile(name);
    if (!p) throw new ProfileError(`no profile "${name}" in ${configFile}`);
    return p;
  }
  if (env.ASSETBRIDGE_ACCESS_KEY && env.ASSETBRIDGE_SECRET_KEY && env.ASSETBRIDGE_REGIONS) {
    const regions = env.ASSETBRIDGE_REGIONS.split(',').map((item) => {
      const [region, endpoint, projectId] = item.split('=');
      if (!region || !endpoint || !projectId) throw new ProfileError('ASSETBRIDGE_REGIONS must be name=endpoint=project_id,...');
      return { name: region, endpoint, projectId };
    });
    return { accessKey: env.ASSETBRIDGE_ACCESS_KEY, secretKey: env.ASSETBRIDGE_SECRET_KEY, regions };
  }
  const def = fromFile('default');
  if (def) return def;
  const local = path.join(env.ASSETBRIDGE_DATA_DIR ?? './data', 'local.json');
  if (existsSync(local)) return fromJson(JSON.parse(readFileSync(local, 'utf8')) as LocalJson);
  throw new ProfileError(`no credentials: start the local mode (npm start) so ${local} exists, or set a profile (see assetbridge --help)`);
}

/** A client of one region of the profile (default: its first region). */
export function clientFor(profile: Profile, region?: string): ApiClient {
  const r = region ? profile.regions.find((x) => x.name === region) : profile.regions[0];
  if (!r) throw new ProfileError(`no region "${region ?? ''}" in the profile (known: ${profile.regions.map((x) => x.name).join(', ')})`);
  return new ApiClient({ endpoint: r.endpoint, projectId: r.projectId, accessKey: profile.accessKey, secretKey: profile.secretKey });
}
