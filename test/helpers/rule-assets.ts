import type { ApiClient } from './api-client.js';
import { pollUntil } from './poll.js';

/** The smallest PNG header, enough for a MAIN file. */
export const png = Buffer.from('89504e470d0a1a0a0000000d494844520000000100000001', 'hex');

export const show = (client: ApiClient, id: string) => client.call('GET', `/digital-assets/${id}`);

/** Waits until the asset answers 200 in one of `states`. */
export const stateIn = (client: ApiClient, id: string, states: string[]) =>
  pollUntil(() => show(client, id), (res) => res.status === 200 && states.includes(res.body.asset_state));

/** An asset with one MAIN file: it turns ACTIVED by itself. */
export async function activeAsset(client: ApiClient, body: Record<string, unknown>): Promise<string> {
  const id = await client.createAsset(body);
  await client.addFile(id, 'main.png', png);
  return id;
}
