// Download URLs are signed once per URL a response carries: no signature is computed and then
// dropped (a MAIN file the summary does not show, a cover replaced by the COVER file), and no
// file is signed twice in one response. Counted on the signer the region uses.
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { UrlSigner, type UrlGrant } from '../../src/services/signed-url.js';
import { startTestRegion, type TestRegion } from '../helpers/test-region.js';

let t: TestRegion;
let ids: { imageWithCover: string; imageAlone: string; videoWithCover: string; videoAlone: string };

const png = () => sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 10, g: 200, b: 60 } } }).png().toBuffer();

beforeAll(async () => {
  t = await startTestRegion();
  const c = t.client;
  const asset = async (type: string, files: [string, Buffer, string][]) => {
    const id = await c.createAsset({ asset_type: type, tags: ['signed-urls'] });
    for (const [name, bytes, category] of files) await c.addFile(id, name, bytes, category);
    return id;
  };
  const other = Buffer.from('notes');
  ids = {
    imageWithCover: await asset('IMAGE', [['main.png', await png(), 'MAIN'], ['cover.png', await png(), 'COVER'], ['notes.txt', other, 'OTHER']]),
    imageAlone: await asset('IMAGE', [['main.png', await png(), 'MAIN']]),
    videoWithCover: await asset('VIDEO', [['main.mp4', Buffer.from('not really a video'), 'MAIN'], ['cover.png', await png(), 'COVER']]),
    videoAlone: await asset('VIDEO', [['main.mp4', Buffer.from('still not a video'), 'MAIN'], ['notes.txt', other, 'OTHER']]),
  };
  // Thumbnails of the image MAIN files are made in the background.
  await t.region.media.idle();
});
afterAll(async () => {
  await t.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** The grants signed while `request` runs, and its answer. */
async function signedDuring<T>(request: () => Promise<T>): Promise<{ grants: UrlGrant[]; answer: T }> {
  const sign = vi.spyOn(UrlSigner.prototype, 'sign');
  const answer = await request();
  const grants = sign.mock.calls.map(([grant]) => grant);
  sign.mockRestore();
  return { grants, answer };
}

/** `op fileId` of each grant, sorted: equal when the same URLs were signed, each as often. */
const named = (grants: UrlGrant[]) => grants.map((g) => `${g.op} ${g.fileId}`).sort();
const fileOf = (url: string) => new URL(url).pathname.split('/').pop() ?? '';
const opOf = (url: string) => new URL(url).pathname.split('/')[2];

describe('download URLs signed once per response', () => {
  it('ShowAsset signs each file it lists once', async () => {
    const { grants, answer } = await signedDuring(() => t.client.call('GET', `/digital-assets/${ids.imageWithCover}`));
    expect(answer.status).toBe(200);
    const files = answer.body.files as { file_id: string; download_url?: string }[];
    expect(files).toHaveLength(3);
    expect(files.every((f) => f.download_url)).toBe(true);
    expect(named(grants)).toEqual(files.map((f) => `download ${f.file_id}`).sort());
  });

  it('ListAssets signs each file of the page once', async () => {
    const { grants, answer } = await signedDuring(() => t.client.call('GET', '/digital-assets', { query: { tag: 'signed-urls', limit: '10' } }));
    expect(answer.status).toBe(200);
    const files = (answer.body.assets as { files: { file_id: string; download_url?: string }[] }[]).flatMap((a) => a.files);
    expect(files).toHaveLength(8);
    expect(named(grants)).toEqual(files.map((f) => `download ${f.file_id}`).sort());
  });

  it('ListAssetSummary signs the cover and the thumbnail it answers, nothing else', async () => {
    const { grants, answer } = await signedDuring(() =>
      t.client.call('POST', '/digital-assets/summarys', { body: { asset_ids: Object.values(ids) } }),
    );
    expect(answer.status).toBe(200);
    const list = answer.body.asset_list as { asset_id: string; cover_url?: string; thumbnail_url?: string }[];
    const byId = new Map(list.map((s) => [s.asset_id, s]));
    // An image with a COVER file: the cover is the COVER file, the thumbnail the MAIN file's.
    const withCover = byId.get(ids.imageWithCover);
    expect(opOf(withCover?.cover_url ?? '')).toBe('download');
    expect(opOf(withCover?.thumbnail_url ?? '')).toBe('thumbnail');
    expect(fileOf(withCover?.cover_url ?? '')).not.toBe(fileOf(withCover?.thumbnail_url ?? ''));
    // An image alone: its MAIN file is the cover, its thumbnail the thumbnail.
    const alone = byId.get(ids.imageAlone);
    expect(fileOf(alone?.cover_url ?? '')).toBe(fileOf(alone?.thumbnail_url ?? ''));
    expect(opOf(alone?.thumbnail_url ?? '')).toBe('thumbnail');
    // A video with a COVER: the cover serves as the thumbnail too (one URL, signed once).
    const video = byId.get(ids.videoWithCover);
    expect(video?.thumbnail_url).toBe(video?.cover_url);
    // A video alone: nothing to show, nothing signed.
    expect(byId.get(ids.videoAlone)?.cover_url).toBeUndefined();
    expect(byId.get(ids.videoAlone)?.thumbnail_url).toBeUndefined();

    const answered = new Set(list.flatMap((s) => [s.cover_url, s.thumbnail_url]).filter((u): u is string => u !== undefined));
    expect(named(grants)).toEqual([...answered].map((u) => `${opOf(u)} ${fileOf(u)}`).sort());
    expect(grants).toHaveLength(5);
  });
});
