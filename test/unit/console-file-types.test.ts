import { describe, expect, it } from 'vitest';
import { guessType } from '../../console/src/file-types.js';

describe("the console's asset type guess for a file", () => {
  it('follows the MIME type, else the name, and falls back to COMMON_FILE', () => {
    expect(guessType({ name: 'photo.PNG', type: '' })).toBe('IMAGE');
    expect(guessType({ name: 'no-extension', type: 'image/webp' })).toBe('IMAGE');
    expect(guessType({ name: 'clip.mov', type: '' })).toBe('VIDEO');
    expect(guessType({ name: 'clip', type: 'video/mp4' })).toBe('VIDEO');
    expect(guessType({ name: 'song.flac', type: '' })).toBe('AUDIO');
    expect(guessType({ name: 'deck.pptx', type: 'application/vnd.openxmlformats-officedocument.presentationml.presentation' })).toBe('PPT');
    expect(guessType({ name: 'notes.txt', type: 'text/plain' })).toBe('COMMON_FILE');
    expect(guessType({ name: 'archive.tar.gz', type: '' })).toBe('COMMON_FILE');
  });
});
