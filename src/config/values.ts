/** Value rules shared by several settings. */

/** A region name: `cn-north-4`, `ap-southeast-3`. */
export const regionNamePattern = /^[a-z]{2}-[a-z]+-\d+$/;

/** A public endpoint: scheme, host, optional port; no path, no trailing slash. */
export const endpointPattern = /^https?:\/\/[^/]+$/;

/** `sqlite:<file>` or `postgres://...`. */
export const databaseUrlPattern = /^(sqlite:|postgres(ql)?:\/\/)/;

/** The endpoint a region answers on when none is set: `http://HOST:PORT` (IPv6 hosts in brackets). */
export const endpointFor = (host: string, port: number): string => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/**
 * What one process of a region does (ASSETBRIDGE_ROLE): `api` serves the HTTP API, `worker`
 * runs the background loops (copies, sweepers, purges, expiries) and answers only health and
 * metrics, `all` (default) does both.
 */
export const roles = ['api', 'worker', 'all'] as const;
export type Role = (typeof roles)[number];
export const roleServesApi = (role: Role): boolean => role !== 'worker';
export const roleRunsLoops = (role: Role): boolean => role !== 'api';
