import type { AssetType } from './asset.js';
import { errorCatalogue } from './errors.js';

/**
 * The media metadata the service fills in `asset_extra_meta` after an asset's MAIN file is
 * confirmed (docs/api-behaviour.md, "Media metadata"), as MetaStudio names its fields.
 * These keys belong to the service: UpdateDigitalAsset keeps them when it replaces the rest.
 */
export const systemMetaKeys = ['image_meta', 'video_meta', 'audio_meta'] as const;
export type SystemMetaKey = (typeof systemMetaKeys)[number];

/** Which metadata an asset type gets; other types get none. */
export const metaKeyFor = (type: AssetType): SystemMetaKey | undefined =>
  type === 'IMAGE' ? 'image_meta' : type === 'VIDEO' ? 'video_meta' : type === 'AUDIO' || type === 'MUSIC' ? 'audio_meta' : undefined;

/** Horizontal when at least as wide as high. */
export const modeOf = (width: number, height: number): 'Horizontal' | 'Vertical' => (width >= height ? 'Horizontal' : 'Vertical');

/** What an image parser reports. */
export interface ImageFacts {
  codec: string;
  width: number;
  height: number;
}

/** What an audio/video parser reports: bit rates in bits per second, duration in seconds. */
export interface AvFacts {
  durationSeconds?: number;
  video?: { codec?: string; width?: number; height?: number; frameRate?: number; bitRate?: number };
  audio?: { codec?: string; bitRate?: number; channels?: number; sampleRate?: number };
}

const kbps = (bitsPerSecond: number | undefined): number | undefined => (bitsPerSecond === undefined ? undefined : Math.round(bitsPerSecond / 1000));
const wholeSeconds = (seconds: number | undefined): number | undefined => (seconds === undefined ? undefined : Math.round(seconds));
/** The object without its undefined fields. */
const defined = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export const imageMeta = (f: ImageFacts, size: number): Record<string, unknown> => ({
  codec: f.codec, width: f.width, height: f.height, size, mode: modeOf(f.width, f.height),
});

export function audioMeta(f: AvFacts): Record<string, unknown> {
  return defined({
    duration: wholeSeconds(f.durationSeconds),
    audio_codec: f.audio?.codec,
    audio_bit_rate: kbps(f.audio?.bitRate),
    audio_channels: f.audio?.channels,
    sample: f.audio?.sampleRate,
  });
}

export function videoMeta(f: AvFacts): Record<string, unknown> {
  const v = f.video;
  return defined({
    video_codec: v?.codec,
    width: v?.width,
    height: v?.height,
    frame_rate: v?.frameRate,
    video_bit_rate: kbps(v?.bitRate),
    duration: wholeSeconds(f.durationSeconds),
    audio_codec: f.audio?.codec,
    audio_bit_rate: kbps(f.audio?.bitRate),
    audio_channels: f.audio?.channels,
    sample: f.audio?.sampleRate,
    mode: v?.width && v.height ? modeOf(v.width, v.height) : undefined,
  });
}

/** The meta of a file that could not be parsed: the asset stays as it is. */
export const unparsedMeta = (why: string): Record<string, unknown> => ({
  error_info: { error_code: errorCatalogue.mediaNotParsed.code, error_msg: `${errorCatalogue.mediaNotParsed.message}: ${why}` },
});

/** `asset_extra_meta` as an update sends it, with the service's keys of the current value kept (and any sent dropped). */
export function keepSystemMeta(current: Record<string, unknown>, sent: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...sent };
  for (const key of systemMetaKeys) {
    if (current[key] === undefined) delete out[key];
    else out[key] = current[key];
  }
  return out;
}
