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

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The deployment's regions, as the serving region knows them. */
export async function loadRegions(): Promise<{ region: string; regions: RegionInfo[] }> {
  const res = await fetch('/console/config.json');
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
      });
      const body = (await res.json()) as { token?: { project: { id: string } }; error_code?: string; error_msg?: string };
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
  });
  const json: unknown = await res.json().catch(() => ({}));
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

/** Declares, uploads (reporting progress) and confirms one file. */
export async function uploadFile(region: Region, assetId: string, file: File, category: string, onProgress: (sent: number) => void): Promise<void> {
  const fileMd5 = await md5Base64(file);
  const created = (await api(region, 'POST', '/files', {
    asset_id: assetId, file_name: file.name, file_md5: fileMd5, file_size: file.size, asset_file_category: category,
  })) as { file_id: string; upload_url: string };
  await new Promise<void>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', created.upload_url);
    xhr.setRequestHeader('content-md5', fileMd5);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => (xhr.status === 200 ? resolve() : reject(new ApiError(xhr.status, '', xhr.responseText)));
    xhr.onerror = () => reject(new Error('upload failed'));
    xhr.send(file);
  });
  await api(region, 'POST', `/files/${created.file_id}/complete`, { state: 'CREATED' });
}
