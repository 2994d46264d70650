import type { CopiedFields } from '../../domain/asset-fields.js';
import { CHUNK_SIZE, chunkCount } from '../../domain/chunks.js';
import type { ManifestFile } from '../../domain/copy-task.js';

/** The manifest version this region seals; it opens this one and version 1. */
export const MANIFEST_VERSION = 2;

/** The sealed plaintext of replication info (format v2, v1 still opened; see docs/replication.md). */
export interface ReplicationManifest {
  v: 1 | 2;
  /** v2: bytes per chunk of `files[].chunks` (16 MiB). */
  chunk_size?: number;
  /** Random token id. */
  tid: string;
  /** Unix seconds: the replication info expires. */
  exp: number;
  /** Unix seconds: the download capabilities expire (exp + copy window). */
  cap_exp: number;
  src: { region: string; account: string; project: string; asset: string };
  /** The asset's copied fields (see the field table) and its app user. */
  meta: CopiedFields & { app_user_id: string | null };
  /** Per file; `caps` holds one capability per peer region. */
  files: (Omit<ManifestFile, 'cap'> & { caps: Record<string, string> })[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const hex = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`);

/**
 * Checks the shape of an opened manifest. It was sealed by a region of this deployment, so a
 * bad shape means a bug or a different version: refused, never trusted half-way.
 */
export function parseManifest(text: string): ReplicationManifest | undefined {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(m) || (m.v !== 1 && m.v !== MANIFEST_VERSION) || !isStr(m.tid) || typeof m.exp !== 'number' || typeof m.cap_exp !== 'number') return undefined;
  const src = m.src;
  if (!isObject(src) || !isStr(src.region) || !isStr(src.account) || !isStr(src.project) || !isStr(src.asset)) return undefined;
  if (!isObject(m.meta) || !isStr(m.meta.asset_name) || !isStr(m.meta.asset_type) || !Array.isArray(m.files)) return undefined;
  // v2 carries the chunk hashes, at this deployment's chunk size.
  if (m.v === MANIFEST_VERSION && m.chunk_size !== CHUNK_SIZE) return undefined;
  for (const f of m.files as unknown[]) {
    if (!isObject(f) || !isStr(f.id) || !hex(32).test(f.id) || typeof f.size !== 'number' || !isStr(f.sha256) || !hex(64).test(f.sha256)) return undefined;
    if (!isStr(f.md5) || !hex(32).test(f.md5) || !isStr(f.name) || !isStr(f.type) || !isStr(f.category) || !isObject(f.caps)) return undefined;
    if (m.v === 1) {
      if (f.chunks !== undefined) return undefined;
      continue;
    }
    const chunks = f.chunks;
    if (!Array.isArray(chunks) || chunks.length !== chunkCount(f.size) || !chunks.every((c) => isStr(c) && hex(64).test(c))) return undefined;
  }
  return m as unknown as ReplicationManifest;
}
