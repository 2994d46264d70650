import SparkMD5 from 'spark-md5';

/** The console's view of the public API: IAM tokens per region, then X-Auth-Token calls. */

export interface RegionInfo {
  name: string;
  endpoint: string;
}

export interface Session {
  account: string;
  user: string;
  regions: (RegionInfo & { token: string; projectId: string })[];
}

/** `status` 0: the region did not answer at all (down, or the network is). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the whole console must show: a region that does not answer, or a session the server no longer accepts. */
export type Problem = { kind: 'unreachable'; region: string; endpoint: string } | { kind: 'expired' };
type ProblemEvent = Problem | { kind: 'answered'; region: string };
let report: (e: ProblemEvent) => void = () => undefined;
/** The console's one listener for problems (and for answers, which end an unreachable region's problem). */
export function onProblem(listener: (e: ProblemEvent) => void): void {
  report = listener;
}

const unreachable = (name: string, endpoint: string): ApiError => {
  report({ kind: 'unreachable', region: name, endpoint });
  return new ApiError(0, '', `cannot reach ${name} at ${endpoint}`);
};

/** The deployment's regions, as the serving region knows them. */
export async function loadRegions(): Promise<{ region: string; regions: RegionInfo[] }> {
  const res = await fetch('/console/config.json').catch(() => {
    throw unreachable('the server', location.origin);
  });
  if (!res.ok) throw new ApiError(res.status, '', `the console's configuration answered HTTP ${res.status}`);
  return (await res.json()) as { region: string; regions: RegionInfo[] };
}

/** Signs in once: one token per region, scoped to the account's project there. */
export async function signIn(account: string, user: string, password: string, regions: RegionInfo[]): Promise<Session> {
  const scoped = await Promise.all(
    regions.map(async (r) => {
      const res = await fetch(`${r.endpoint}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          auth: {
            identity: { methods: ['password'], password: { user: { name: user, password, domain: { name: account } } } },
            scope: { project: { name: r.name } },
          },
        }),
      }).catch(() => {
        throw unreachable(r.name, r.endpoint);
      });
      const body = (await res.json().catch(() => ({}))) as { token?: { project: { id: string } }; error_code?: string; error_msg?: string };
      if (res.status !== 201 || !body.token) throw new ApiError(res.status, body.error_code ?? '', body.error_msg ?? 'sign-in failed');
      return { ...r, token: res.headers.get('x-subject-token') ?? '', projectId: body.token.project.id };
    }),
  );
  return { account, user, regions: scoped };
}

export type Region = Session['regions'][number];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
export async function api(region: Region, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${region.endpoint}/v1/${region.projectId}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-auth-token': region.token },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch(() => {
    throw unreachable(region.name, region.endpoint);
  });
  report({ kind: 'answered', region: region.name });
  const json: unknown = await res.json().catch(() => ({}));
  if (res.status === 401) report({ kind: 'expired' });
  if (res.status !== 200) {
    const e = json as { error_code?: string; error_msg?: string };
    throw new ApiError(res.status, e.error_code ?? '', e.error_msg ?? `HTTP ${res.status}`);
  }
  return json;
}

async function md5Base64(file: File): Promise<string> {
  // WebCrypto has no MD5 (the API asks for it, RFC 1864): spark-md5, raw digest to base64.
  return btoa(SparkMD5.ArrayBuffer.hash(await file.arrayBuffer(), true));
}

export interface UploadEvents {
  /** The file is declared: from here a cancel must cancel it at the server. */
  onDeclared: (fileId: string) => void;
  onProgress: (sent: number) => void;
  signal: AbortSignal;
}

/** Thrown when the caller aborted the upload. */
export class Aborted extends Error {}

/** Declares, uploads (reporting progress) and confirms one file; stops with `Aborted` when the signal fires. */
export async function uploadFile(region: Region, assetId: string, file: File, category: string, events: UploadEvents): Promise<void> {
  const fileMd5 = await md5Base64(file);
  if (events.signal.aborted) throw new Aborted('cancelled');
  const created = (await api(region, 'POST', '/files', {
    asset_id: assetId, file_name: file.name, file_md5: fileMd5, file_size: file.size, asset_file_category: category,
  })) as { file_id: string; upload_url: string };
  events.onDeclared(created.file_id);
  await new Promise<void>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const abort = () => xhr.abort();
    if (events.signal.aborted) return reject(new Aborted('cancelled'));
    events.signal.addEventListener('abort', abort, { once: true });
    xhr.open('PUT', created.upload_url);
    xhr.setRequestHeader('content-md5', fileMd5);
    xhr.upload.onprogress = (e) => events.onProgress(e.loaded);
    xhr.onload = () => {
      events.signal.removeEventListener('abort', abort);
      if (xhr.status === 200) return resolve();
      const body = JSON.parse(xhr.responseText || '{}') as { error_msg?: string; error_code?: string };
      reject(new ApiError(xhr.status, body.error_code ?? '', body.error_msg ?? `upload answered HTTP ${xhr.status}`));
    };
    xhr.onabort = () => reject(new Aborted('cancelled'));
    xhr.onerror = () => reject(unreachable(region.name, region.endpoint));
    xhr.send(file);
  });
  await api(region, 'POST', `/files/${created.file_id}/complete`, { state: 'CREATED' });
}
