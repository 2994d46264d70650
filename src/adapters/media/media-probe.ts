import mediaInfoFactory, { type MediaInfo } from 'mediainfo.js';
import type { default as Sharp } from 'sharp';
import type { AvFacts, ImageFacts } from '../../domain/media-meta.js';
import type { MediaProbe, ReadAt } from '../../ports/media-probe.js';

type Track = Record<string, unknown> & { '@type': string };

const num = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Images with sharp (libvips, shipped in its npm packages); audio and video with MediaInfo (WebAssembly, shipped in mediainfo.js). */
export class LibraryMediaProbe implements MediaProbe {
  private mediaInfo?: Promise<MediaInfo<'object'>>;
  /** MediaInfo analyses one file at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  /** libvips costs some 30 MiB of memory once loaded: only processes that meet an image load it. */
  private sharp?: Promise<typeof Sharp>;

  async image(bytes: Buffer, thumbnailSize: number): Promise<ImageFacts & { thumbnail: Buffer }> {
    this.sharp ??= import('sharp').then((m) => m.default);
    const image = (await this.sharp)(bytes, { failOn: 'error' });
    const meta = await image.metadata();
    if (!meta.format || !meta.width || !meta.height) throw new Error('not an image');
    // `autoOrient`: EXIF-rotated photos show (and measure) as they are meant to be seen.
    const oriented = meta.autoOrient ?? { width: meta.width, height: meta.height };
    const thumbnail = await image.rotate().resize(thumbnailSize, thumbnailSize, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 80 }).toBuffer();
    return { codec: meta.format, width: oriented.width, height: oriented.height, thumbnail };
  }

  audioVideo(size: number, read: ReadAt): Promise<AvFacts> {
    const run = this.queue.then(async () => {
      this.mediaInfo ??= mediaInfoFactory({ format: 'object' });
      const result = await (await this.mediaInfo).analyzeData(size, (length, offset) => read(offset, length));
      return factsOf((result.media?.track ?? []) as unknown as Track[]);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    (await this.mediaInfo)?.close();
  }
}

function factsOf(tracks: Track[]): AvFacts {
  const general = tracks.find((t) => t['@type'] === 'General');
  const video = tracks.find((t) => t['@type'] === 'Video');
  const audio = tracks.find((t) => t['@type'] === 'Audio');
  if (!video && !audio) throw new Error(`no audio or video stream found${str(general?.Format) ? ` in ${str(general?.Format)}` : ''}`);
  return {
    durationSeconds: num(general?.Duration) ?? num(video?.Duration) ?? num(audio?.Duration),
    video: video && {
      codec: str(video.Format),
      width: num(video.Width),
      height: num(video.Height),
      frameRate: num(video.FrameRate),
      bitRate: num(video.BitRate) ?? num(video.BitRate_Nominal),
    },
    audio: audio && {
      codec: str(audio.Format),
      bitRate: num(audio.BitRate) ?? num(audio.BitRate_Nominal),
      channels: num(audio.Channels),
      sampleRate: num(audio.SamplingRate),
    },
  };
}
