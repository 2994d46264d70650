import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegion, type TestRegion } from '../helpers/test-region.js';
import { startTwoRegions, waitForCopy, type TwoRegions } from '../helpers/two-regions.js';

let t: TestRegion;

beforeAll(async () => {
  t = await startTestRegion();
});
afterAll(async () => {
  await t.close();
});

/** A 16-bit PCM WAV of `seconds` of silence. */
function wav(seconds: number, sampleRate: number, channels: number): Buffer {
  const dataSize = seconds * sampleRate * channels * 2;
  const b = Buffer.alloc(44 + dataSize);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + dataSize, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(channels, 22);
  b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * channels * 2, 28);
  b.writeUInt16LE(channels * 2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(dataSize, 40);
  return b;
}

/** A raw YUV4MPEG2 video of grey frames (no sound). */
function y4m(width: number, height: number, fps: number, frames: number): Buffer {
  const parts = [Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`)];
  for (let i = 0; i < frames; i++) parts.push(Buffer.from('FRAME\n'), Buffer.alloc((width * height * 3) / 2, 128));
  return Buffer.concat(parts);
}

const image = (width: number, height: number, format: 'png' | 'jpeg') =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 60 } } })[format]().toBuffer();

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
async function assetWithMain(type: string, name: string, bytes: Buffer, extra: Record<string, unknown> = {}): Promise<{ id: string; shown: any }> {
  const id = await t.client.createAsset({ asset_type: type, ...extra });
  await t.client.addFile(id, name, bytes);
  await t.region.media.idle();
  return { id, shown: (await t.client.call('GET', `/digital-assets/${id}`)).body };
}

describe('media metadata', () => {
  it('fills image_meta of an IMAGE asset and serves a thumbnail as thumbnail_url', async () => {
    const png = await image(640, 320, 'png');
    const { id, shown } = await assetWithMain('IMAGE', 'wide.png', png, { asset_extra_meta: { mine: 1 } });
    expect(shown.asset_state).toBe('ACTIVED');
    expect(shown.asset_extra_meta).toEqual({ mine: 1, image_meta: { codec: 'png', width: 640, height: 320, size: png.length, mode: 'Horizontal' } });

    const summary = await t.client.call('POST', '/digital-assets/summarys', { body: { asset_ids: [id] } });
    const { thumbnail_url: thumbUrl, cover_url: coverUrl } = summary.body.asset_list[0] as { thumbnail_url: string; cover_url: string };
    expect(thumbUrl).toContain('/blobs/thumbnail/');
    expect(coverUrl).toContain('/blobs/download/');
    const thumb = await fetch(thumbUrl);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 256, 128]);
    // A thumbnail URL is not a download URL of the file, nor the other way round.
    expect((await fetch(thumbUrl.replace('/blobs/thumbnail/', '/blobs/download/'))).status).toBe(403);

    // Deleting the main file removes its thumbnail with it.
    const main = await t.region.store.getFile(t.projectId, shown.files[0].file_id as string);
    expect(main?.thumbnailKey).toBeTruthy();
    expect(await t.region.blobs.head(main?.thumbnailKey ?? '')).toBeDefined();
    await t.client.ok('DELETE', `/files/${main?.fileId ?? ''}`);
    expect(await t.region.blobs.head(main?.thumbnailKey ?? '')).toBeUndefined();
    expect((await fetch(thumbUrl)).status).toBe(404);

    const tall = await assetWithMain('IMAGE', 'tall.jpg', await image(30, 50, 'jpeg'));
    expect(tall.shown.asset_extra_meta.image_meta).toMatchObject({ codec: 'jpeg', width: 30, height: 50, mode: 'Vertical' });
  });

  it('keeps the system keys when UpdateDigitalAsset replaces asset_extra_meta', async () => {
    const { id, shown } = await assetWithMain('IMAGE', 'keep.png', await image(8, 8, 'png'), { asset_extra_meta: { a: 1 } });
    const imageMeta = shown.asset_extra_meta.image_meta as unknown;
    expect(imageMeta).toMatchObject({ width: 8 });
    const updated = await t.client.call('PUT', `/digital-assets/${id}`, { body: { asset_extra_meta: { b: 2, image_meta: { width: 1 }, audio_meta: { duration: 9 } } } });
    expect(updated.status).toBe(200);
    expect(updated.body.asset_extra_meta).toEqual({ b: 2, image_meta: imageMeta });
  });

  it('fills audio_meta of AUDIO and MUSIC assets from a WAV file', async () => {
    const { shown } = await assetWithMain('AUDIO', 'tone.wav', wav(2, 8000, 1));
    expect(shown.asset_extra_meta.audio_meta).toEqual({ duration: 2, audio_codec: 'PCM', audio_bit_rate: 128, audio_channels: 1, sample: 8000 });
    const music = await assetWithMain('MUSIC', 'stereo.wav', wav(1, 22050, 2));
    expect(music.shown.asset_extra_meta.audio_meta).toMatchObject({ duration: 1, audio_channels: 2, sample: 22050, audio_bit_rate: 706 });
  });

  it('fills video_meta of a VIDEO asset, leaving out the sound it does not have', async () => {
    const { shown } = await assetWithMain('VIDEO', 'clip.y4m', y4m(16, 32, 25, 75));
    // 16 x 32 x 1.5 bytes x 25 fps = 153.6 kbit/s of raw frames.
    expect(shown.asset_extra_meta.video_meta).toEqual({ video_codec: 'YUV', width: 16, height: 32, frame_rate: 25, video_bit_rate: 154, duration: 3, mode: 'Vertical' });
  });

  it('records error_info for a file that cannot be parsed, and the asset stays ACTIVED', async () => {
    for (const [type, key] of [['IMAGE', 'image_meta'], ['VIDEO', 'video_meta'], ['AUDIO', 'audio_meta']] as const) {
      const { id, shown } = await assetWithMain(type, 'broken.bin', Buffer.from('these bytes are no media file at all'));
      expect(shown.asset_state, type).toBe('ACTIVED');
      expect(shown.asset_extra_meta[key], type).toEqual({ error_info: { error_code: 'MSS.10001010', error_msg: expect.stringContaining('could not be parsed') } });
      const summary = await t.client.call('POST', '/digital-assets/summarys', { body: { asset_ids: [id] } });
      // No thumbnail was made, and a .bin main file is no cover either.
      expect(summary.body.asset_list[0].thumbnail_url, type).toBeUndefined();
    }
  });

  it('leaves other asset types alone', async () => {
    const { shown } = await assetWithMain('COMMON_FILE', 'doc.png', await image(4, 4, 'png'), { asset_extra_meta: { x: 'y' } });
    expect(shown.asset_extra_meta).toEqual({ x: 'y' });
  });
});

describe('media metadata of a copy', () => {
  let r: TwoRegions;
  beforeAll(async () => {
    r = await startTwoRegions();
  });
  afterAll(async () => {
    await r.close();
  });

  it('arrives in the seal and is not parsed again in the destination region', async () => {
    const id = await r.a.client.createAsset({ asset_type: 'IMAGE' });
    await r.a.client.addFile(id, 'main.png', await image(100, 300, 'png'));
    await r.a.region.media.idle();
    const source = (await r.a.client.call('GET', `/digital-assets/${id}`)).body as { asset_extra_meta: Record<string, unknown> };
    expect(source.asset_extra_meta.image_meta).toMatchObject({ width: 100, height: 300, mode: 'Vertical' });

    const info = (await r.a.client.call('GET', `/digital-assets/${id}/replication-info`)).body as Record<string, unknown>;
    expect((await r.clientB.call('POST', '/digital-assets-by-replication-info', { body: info })).status).toBe(200);
    const copied = await waitForCopy(r.clientB, id);
    expect(copied.asset_state).toBe('ACTIVED');
    expect(copied.asset_extra_meta).toEqual(source.asset_extra_meta);
    // Not parsed in B: no thumbnail was made there, the summary falls back to the image itself.
    const mainB = await r.b.region.store.getFile(r.projectB, copied.files[0].file_id as string);
    expect(mainB?.thumbnailKey).toBeNull();
    const summary = await r.clientB.call('POST', '/digital-assets/summarys', { body: { asset_ids: [id] } });
    expect(summary.body.asset_list[0].thumbnail_url).toContain('/blobs/download/');
  });
});
