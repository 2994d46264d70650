/** The asset type a file most likely is, from its MIME type or name (the user may change it before the upload starts). */
export function guessType(file: { name: string; type: string }): string {
  const ext = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase() ?? '';
  const mime = file.type.split('/')[0];
  if (mime === 'image' || ['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp', 'tif', 'tiff', 'heic', 'avif'].includes(ext)) return 'IMAGE';
  if (mime === 'video' || ['mp4', 'mov', 'mkv', 'webm', 'avi', 'm4v'].includes(ext)) return 'VIDEO';
  if (mime === 'audio' || ['mp3', 'wav', 'flac', 'aac', 'ogg', 'm4a', 'opus'].includes(ext)) return 'AUDIO';
  if (['ppt', 'pptx', 'odp', 'key'].includes(ext)) return 'PPT';
  return 'COMMON_FILE';
}
