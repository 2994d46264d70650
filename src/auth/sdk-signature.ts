// Verifies Huawei Cloud `SDK-HMAC-SHA256` AK/SK signatures exactly as
// @huaweicloud/huaweicloud-sdk-core (auth/AKSKSigner.js) computes them, from
// the request as it arrives on the wire. Pure: no I/O, the caller supplies time
// and secrets.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SDK_SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;

export type HeaderMap = Record<string, string | string[] | undefined>;

export interface ParsedAuthorization {
  accessKey: string;
  signedHeaders: string[];
  signature: string;
}

export type SdkAuthFailureReason =
  | 'missing_authorization'
  | 'malformed_authorization'
  | 'missing_date'
  | 'malformed_date'
  | 'stale_date'
  | 'unknown_access_key'
  | 'missing_signed_header'
  | 'signature_mismatch';

export type SdkVerifyResult =
  | { ok: true; accessKey: string; unsignedPayload: boolean }
  | { ok: false; reason: SdkAuthFailureReason; message: string };

export interface SdkVerifyInput {
  method: string;
  /** Request target exactly as received (Node `req.url`): path plus optional `?query`. */
  rawUrl: string;
  /** Lowercase header names, as Node gives them. */
  headers: HeaderMap;
  body: Buffer;
  now: Date;
  maxSkewMs?: number;
  lookupSecret: (accessKey: string) => string | undefined;
}

export interface CanonicalRequestInput {
  method: string;
  rawUrl: string;
  headers: HeaderMap;
  signedHeaders: string[];
  payloadHash: string;
}

const AUTH_RE = /^SDK-HMAC-SHA256 Access=([A-Za-z0-9._~-]{1,128}), SignedHeaders=([^\s,]+), Signature=([0-9a-f]{64})$/;
const HEADER_NAME_RE = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const SDK_DATE_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const HEX_SHA256_RE = /^[0-9a-fA-F]{64}$/;
// Characters legacy url.parse() (used by the SDK signer) escapes in a path but
// WHATWG URL (used by axios to send) leaves raw, or vice versa escapes the same.
// The SDK then percent-encodes that already-escaped text again.
const LEGACY_PATH_ESCAPES = new Set(["'", '|', '^', '\\', '{', '}', '`', '<', '>', '"', ' ', '\t', '\r', '\n']);

export function parseAuthorizationHeader(value: string): ParsedAuthorization | { error: string } {
  if (!value.startsWith(`${SDK_SIGNING_ALGORITHM} `)) {
    return { error: `unsupported algorithm, expected ${SDK_SIGNING_ALGORITHM}` };
  }
  const m = AUTH_RE.exec(value);
  const [, accessKey, names, signature] = m ?? [];
  if (accessKey === undefined || names === undefined || signature === undefined) {
    return { error: `expected "${SDK_SIGNING_ALGORITHM} Access=<AK>, SignedHeaders=<names>, Signature=<64 lowercase hex>"` };
  }
  const signedHeaders = names.split(';');
  for (let i = 0; i < signedHeaders.length; i++) {
    const name = signedHeaders[i] ?? '';
    if (!HEADER_NAME_RE.test(name)) return { error: 'SignedHeaders must be lowercase header names separated by ";"' };
    const prev = signedHeaders[i - 1];
    if (prev !== undefined && !(prev < name)) return { error: 'SignedHeaders must be sorted and without duplicates' };
  }
  // The SDK always signs both; requiring host stops replay to another region's host.
  for (const required of ['host', 'x-sdk-date']) {
    if (!signedHeaders.includes(required)) return { error: `SignedHeaders must include ${required}` };
  }
  return { accessKey, signedHeaders, signature };
}

export function parseSdkDate(value: string): Date | undefined {
  const m = SDK_DATE_RE.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls over out-of-range fields; a round trip rejects them.
  const roundTrip = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()];
  return roundTrip.every((v, i) => v === [y, mo, d, h, mi, s][i]) ? date : undefined;
}

export function formatSdkDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

const pct = (code: number): string => `%${code.toString(16).toUpperCase().padStart(2, '0')}`;

/** The SDK's urlEncode: RFC 3986 unreserved characters kept, everything else as UTF-8 %XX. */
function sdkUrlEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => pct(c.charCodeAt(0)));
}

// The SDK encodes the path as legacy url.parse() left it: non-ASCII raw (so
// encoded once), but existing %XX escapes and LEGACY_PATH_ESCAPES encoded twice.
// On the wire non-ASCII arrives as %XX (>= 0x80), which we keep as is.
// A segment of unreserved characters only (ids, names: nearly every path) is its own encoding.
const UNRESERVED_SEGMENT_RE = /^[A-Za-z0-9._~-]*$/;
function canonicalSegment(segment: string): string {
  if (UNRESERVED_SEGMENT_RE.test(segment)) return segment;
  return segment.replace(/%[89a-f][0-9a-f]|[\s\S]/giu, (t) => {
    if (t.length === 3) return t.toUpperCase();
    return LEGACY_PATH_ESCAPES.has(t) ? `%25${pct(t.charCodeAt(0)).slice(1)}` : sdkUrlEncode(t);
  });
}

// The SDK sends queries with querystring.stringify (never a literal '+'), so
// '+' is decoded as a space, like form decoding and Fastify's query parser.
function decodeQueryPart(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

function canonicalQuery(query: string): string {
  const groups = new Map<string, string[]>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeQueryPart(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeQueryPart(pair.slice(eq + 1));
    const values = groups.get(key);
    if (values) values.push(value);
    else groups.set(key, [value]);
  }
  // Default sort (UTF-16 code units) on decoded text, as the SDK sorts.
  return [...groups.keys()]
    .sort()
    .flatMap((key) => (groups.get(key) ?? []).sort().map((v) => `${sdkUrlEncode(key)}=${sdkUrlEncode(v)}`))
    .join('&');
}

function splitRawUrl(rawUrl: string): { path: string; query: string } {
  let target = rawUrl.replace(/#[\s\S]*$/, '');
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?]*/.exec(target);
  if (authority) target = target.slice(authority[0].length);
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

function headerValue(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  // HTTP parsers strip surrounding whitespace, so only trimmed values can be verified.
  return (Array.isArray(v) ? v.join(', ') : v).trim();
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const sha256Hex = (data: string | Buffer): string => (data.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(data).digest('hex'));
/** `localeCompare`'s order (the default collator), without a collator looked up per comparison. */
const localeOrder = new Intl.Collator().compare;

/** Throws if a signed header is absent or the URL has invalid percent-encoding. */
export function canonicalRequest(input: CanonicalRequestInput): string {
  const { path, query } = splitRawUrl(input.rawUrl);
  const segments = path.split('/').map(canonicalSegment).join('/');
  const uri = segments.endsWith('/') ? segments : `${segments}/`;
  // The SDK orders header lines with localeCompare but SignedHeaders by code units.
  const headerLines = [...input.signedHeaders].sort(localeOrder).map((name) => {
    const value = headerValue(input.headers, name);
    if (value === undefined) throw new Error(`signed header ${name} is missing`);
    return `${name}:${value}\n`;
  });
  return [input.method, uri, canonicalQuery(query), headerLines.join(''), input.signedHeaders.join(';'), input.payloadHash].join('\n');
}

export function computeSignature(secretKey: string, sdkDate: string, canonical: string): string {
  const stringToSign = `${SDK_SIGNING_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonical)}`;
  return createHmac('sha256', secretKey).update(stringToSign).digest('hex');
}

/** What the headers alone establish: the request may be verified once its body has arrived. */
export interface SdkPrechecked {
  ok: true;
  accessKey: string;
  signedHeaders: string[];
  signature: string;
  sdkDate: string;
  secret: string;
}

type SdkFailure = Extract<SdkVerifyResult, { ok: false }>;
const fail = (reason: SdkAuthFailureReason, message: string): SdkFailure => ({ ok: false, reason, message });

/**
 * Every check the headers allow, before the body is read: the Authorization header, the date
 * and its skew, a known access key, every signed header present.
 */
export function precheckSdkRequest(
  input: Omit<SdkVerifyInput, 'method' | 'rawUrl' | 'body'> & {
    /** The request's Authorization header as the caller has parsed it already (not parsed twice). */
    authorization?: ParsedAuthorization;
  },
): SdkPrechecked | SdkFailure {
  const auth = input.headers['authorization'];
  if (auth === undefined || auth === '') return fail('missing_authorization', 'Authorization header is required');
  if (typeof auth !== 'string') return fail('malformed_authorization', 'multiple Authorization headers');
  const parsed = input.authorization ?? parseAuthorizationHeader(auth);
  if ('error' in parsed) return fail('malformed_authorization', `malformed Authorization header: ${parsed.error}`);

  const rawDate = input.headers['x-sdk-date'];
  if (rawDate === undefined || rawDate === '') return fail('missing_date', 'X-Sdk-Date header is required');
  const sdkDate = typeof rawDate === 'string' ? rawDate.trim() : '';
  const date = parseSdkDate(sdkDate);
  if (!date) return fail('malformed_date', 'X-Sdk-Date must be a UTC time formatted YYYYMMDDTHHMMSSZ');
  const maxSkewMs = input.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Math.abs(input.now.getTime() - date.getTime()) > maxSkewMs) {
    return fail('stale_date', `X-Sdk-Date is more than ${Math.round(maxSkewMs / 1000)} s away from server time`);
  }

  const secret = input.lookupSecret(parsed.accessKey);
  if (secret === undefined || secret === '') return fail('unknown_access_key', 'unknown access key');
  const missing = parsed.signedHeaders.find((name) => headerValue(input.headers, name) === undefined);
  if (missing !== undefined) return fail('missing_signed_header', `signed header ${missing} is missing from the request`);
  return { ok: true, accessKey: parsed.accessKey, signedHeaders: parsed.signedHeaders, signature: parsed.signature, sdkDate, secret };
}

/** The signature of a prechecked request, over its method, URL, signed headers and body. */
export function verifyPrechecked(pre: SdkPrechecked, input: Pick<SdkVerifyInput, 'method' | 'rawUrl' | 'headers' | 'body'>): SdkVerifyResult {
  const { sdkDate, secret } = pre;
  const parsed = pre;
  const declared = headerValue(input.headers, 'x-sdk-content-sha256');
  let payloadHash = sha256Hex(input.body);
  if (declared === UNSIGNED_PAYLOAD) {
    payloadHash = declared;
  } else if (declared !== undefined) {
    if (!HEX_SHA256_RE.test(declared)) {
      return fail('malformed_authorization', `X-Sdk-Content-Sha256 must be ${UNSIGNED_PAYLOAD} or a hex SHA-256 digest`);
    }
    // A declared digest must describe the body actually received.
    if (declared.toLowerCase() !== payloadHash) return fail('signature_mismatch', 'request body does not match X-Sdk-Content-Sha256');
    payloadHash = declared;
  }

  let canonical: string;
  try {
    canonical = canonicalRequest({ method: input.method, rawUrl: input.rawUrl, headers: input.headers, signedHeaders: parsed.signedHeaders, payloadHash });
  } catch {
    return fail('signature_mismatch', 'request URL contains invalid percent-encoding');
  }
  const expected = Buffer.from(computeSignature(secret, sdkDate, canonical));
  if (!timingSafeEqual(expected, Buffer.from(parsed.signature))) {
    return fail('signature_mismatch', 'signature does not match the request (check SK, method, path, query, signed headers and body)');
  }
  return { ok: true, accessKey: parsed.accessKey, unsignedPayload: payloadHash === UNSIGNED_PAYLOAD };
}

export function verifySdkSignature(input: SdkVerifyInput): SdkVerifyResult {
  const pre = precheckSdkRequest(input);
  return pre.ok ? verifyPrechecked(pre, input) : pre;
}

export interface SignSdkRequestInput {
  method: string;
  /** Absolute URL; send exactly its `pathname + search` and these headers. */
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  accessKey: string;
  secretKey: string;
  date?: Date;
}

/** For our own CLI client: returns the headers to add (X-Sdk-Date, Authorization). Signs every given header plus host. */
export function signSdkRequest(input: SignSdkRequestInput): Record<string, string> {
  const url = new URL(input.url);
  const sdkDate = formatSdkDate(input.date ?? new Date());
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) headers[name.toLowerCase()] = value.trim();
  headers['host'] = url.host;
  headers['x-sdk-date'] = sdkDate;
  const signedHeaders = Object.keys(headers).sort();
  const payloadHash = headers['x-sdk-content-sha256'] ?? sha256Hex(input.body ?? '');
  const method = input.method.toUpperCase();
  const canonical = canonicalRequest({ method, rawUrl: `${url.pathname}${url.search}`, headers, signedHeaders, payloadHash });
  const signature = computeSignature(input.secretKey, sdkDate, canonical);
  return {
    'X-Sdk-Date': sdkDate,
    Authorization: `${SDK_SIGNING_ALGORITHM} Access=${input.accessKey}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`,
  };
}
