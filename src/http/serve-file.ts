import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AssetFile } from '../domain/asset.js';
import { AppError } from '../domain/errors.js';
import type { FileService } from '../services/file-service.js';
import { parseRange } from './range.js';

const contentTypes: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', svg: 'image/svg+xml',
  mp4: 'video/mp4', mp3: 'audio/mpeg', wav: 'audio/wav', json: 'application/json', txt: 'text/plain', pdf: 'application/pdf',
};

/** Sends a file's bytes: a single Range (206 / 416), If-Range and a strong ETag (the SHA-256). */
export async function serveFile(
  request: FastifyRequest,
  reply: FastifyReply,
  file: AssetFile,
  files: FileService,
  onBytes?: (n: number) => void,
): Promise<FastifyReply> {
  const etag = file.etag ?? `"${file.sha256Hex ?? ''}"`;
  const ifRange = request.headers['if-range'];
  const rangeHeader = ifRange === undefined || ifRange === etag ? request.headers.range : undefined;
  const range = parseRange(rangeHeader, file.fileSize);
  reply
    .header('ETag', etag)
    .header('Accept-Ranges', 'bytes')
    .header('Cache-Control', 'private, no-store')
    .header('Content-Type', contentTypes[file.fileType.toLowerCase()] ?? 'application/octet-stream')
    .header('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.fileName)}`);
  if (range === 'unsatisfiable') {
    reply.header('Content-Range', `bytes */${file.fileSize}`);
    throw new AppError('rangeNotSatisfiable', `file size is ${file.fileSize}`);
  }
  if (request.headers['if-none-match'] === etag) return reply.status(304).send();
  const { start, end } = range ?? { start: 0, end: file.fileSize - 1 };
  reply.header('Content-Length', String(end - start + 1));
  if (range) reply.status(206).header('Content-Range', `bytes ${start}-${end}/${file.fileSize}`);
  const content = await files.openContent(file, { start, end });
  if (onBytes) content.on('data', (chunk: Buffer) => onBytes(chunk.length));
  return reply.send(content);
}
