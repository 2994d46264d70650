import { CommanderError, InvalidArgumentError, type Command } from 'commander';
import { ConfigError } from '../config/index.js';
import { errorCatalogue, isAppError } from '../domain/errors.js';
import { isId } from '../domain/ids.js';
import { ApiError } from '../client/api-client.js';
import { IdentityError, KeyRingError } from '../start/operator.js';

/**
 * How the command line speaks: results on stdout (one JSON document under `--json`, failures
 * included), progress and notes on stderr (none under `--quiet`), a fatal error as one
 * `error:` line and one `next:` line, and a stack trace only under `--debug`.
 */
export const mode = { json: process.argv.includes('--json'), quiet: false, debug: process.argv.includes('--debug') };

/** A progress bar's line is open on a terminal (a fatal error starts a line of its own). */
export const screen = { barOpen: false };

/** What the running command works on: the `next:` hints name the exact command with these. */
export const context: { command?: string; assetId?: string; region?: string; from?: string; to?: string } = {};

/** A failure of the command line itself, with its next step. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly next: string,
    readonly code = 'CLI.ERROR',
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A server that does not answer: the message names the endpoint. */
export class UnreachableError extends CliError {
  constructor(endpoint: string, cause: unknown) {
    const why = cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
    super(`cannot reach ${endpoint} (${why})`, 'start the server (assetbridge start), or fix the endpoint of the profile (assetbridge configure)', 'CLI.UNREACHABLE');
  }
}

/** `fetch`, with an unreachable server reported as such. */
export async function fetchFrom(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    if (err instanceof TypeError && err.message === 'fetch failed') throw new UnreachableError(new URL(url).origin, err);
    throw err;
  }
}

/** On Ctrl-C: says what goes on without us and what to run next, then exits 130. */
export function onInterrupt(message: string, next: string): void {
  process.once('SIGINT', () => {
    if (mode.json) process.stdout.write(`${JSON.stringify({ error: { code: 'CLI.INTERRUPTED', message, request_id: null, next } })}\n`);
    else process.stderr.write(`\n${message}\nnext: ${next}\n`);
    process.exit(130);
  });
}

/** Prints a command's result: its JSON under `--json`, else its text. */
export function result(value: unknown, text: () => string): void {
  process.stdout.write(`${mode.json ? JSON.stringify(value, null, 2) : text()}\n`);
}

/** A line for people on stderr (none under `--quiet`). */
export function note(text: string): void {
  if (!mode.quiet) process.stderr.write(`${text}\n`);
}

/** An asset id argument: the full 32-hex id, never a prefix. */
export function assetIdArg(value: string): string {
  if (!isId(value)) throw new InvalidArgumentError(`an asset id is 32 hex characters (got "${value}"); list them with assetbridge assets ls`);
  return value;
}

/** Commander parser for one of `allowed` (any case); the error lists the allowed values. */
export const oneOf = (allowed: readonly string[]) => (value: string): string => {
  const v = value.toUpperCase();
  if (!allowed.includes(v)) throw new InvalidArgumentError(`allowed: ${allowed.join(', ')}`);
  return v;
};

/** Commander parser for a comma list of `allowed` values (any case). */
export const listOf = (allowed: readonly string[]) => (value: string): string => value.split(',').map((v) => oneOf(allowed)(v.trim())).join(',');

const regionFlag = (region = context.region): string => (region ? ` --region ${region}` : '');

/** The next step of an API error, naming the exact command where it is known. */
function nextOfApi(err: ApiError): string {
  const id = context.assetId;
  if (err.code === errorCatalogue.replicationAssetInRecycleBin.code && id) return `assetbridge assets restore ${id} --region ${context.to ?? ''}`.trimEnd();
  if (err.code === errorCatalogue.replicationExpired.code && id) return `assetbridge copy ${id} --from ${context.from} --to ${context.to} --wait`;
  if (err.code === errorCatalogue.accessKeyLocked.code) return 'wait five minutes, then retry with the right secret key';
  if (err.status === 401) return 'check the access key and secret key of the profile (assetbridge configure)';
  if (err.status === 403) return "check that the profile's project belongs to the region you called (assetbridge configure)";
  if (err.status === 404) return `find the asset's full id with assetbridge assets ls${regionFlag()}`;
  if (err.status === 409 && id) return `look at the asset's state: assetbridge assets show ${id}${regionFlag()}`;
  return `fix the request as the message says (assetbridge ${context.command ?? ''} --help)`.replace('  ', ' ');
}

interface Described {
  code: string;
  message: string;
  request_id: string | null;
  next: string;
  line: string;
  exitCode: number;
}

function describe(err: unknown): Described {
  const help = `assetbridge ${context.command ? `${context.command} ` : ''}--help`;
  if (err instanceof ApiError) {
    const line = `${err.code} (${err.status}): ${err.message}${err.requestId ? ` [request ${err.requestId}]` : ''}`;
    return { code: err.code, message: err.message, request_id: err.requestId, next: nextOfApi(err), line, exitCode: 1 };
  }
  const plain = (code: string, message: string, next: string, exitCode = 1): Described => ({ code, message, request_id: null, next, line: message, exitCode });
  if (err instanceof CliError) return plain(err.code, err.message, err.next, err.exitCode);
  if (err instanceof ConfigError) return plain('CLI.CONFIG', err.problems.join('; '), 'fix the settings named above', 2);
  // A catalogue error of an operator command: its MSS code is part of the line, as for the API's.
  if (isAppError(err)) return { ...plain(err.code, err.message, help), line: `${err.code}: ${err.message}` };
  if (err instanceof IdentityError || err instanceof KeyRingError) return plain('CLI.ERROR', err.message, help);
  const e = err as NodeJS.ErrnoException;
  if (e?.code && e.syscall && e.path) return plain('CLI.LOCAL_FILE', `${e.path}: ${e.message}`, 'check the path and its permissions');
  return plain('CLI.BUG', err instanceof Error ? err.message : String(err), 'run it again with --debug and report the trace');
}

/** Reports a fatal error (JSON on stdout under `--json`, else two lines on stderr); returns the exit code. */
export function reportFatal(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode;
  const d = describe(err);
  if (mode.json) process.stdout.write(`${JSON.stringify({ error: { code: d.code, message: d.message, request_id: d.request_id, next: d.next } })}\n`);
  else process.stderr.write(`${screen.barOpen ? '\n' : ''}error: ${d.line}\nnext: ${d.next}\n`);
  if (mode.debug && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return d.exitCode;
}

/** The subcommand names at the start of `args` (options skipped). */
function commandPath(program: Command, args: string[]): string {
  const names: string[] = [];
  let at = program;
  for (const arg of args) {
    if (arg.startsWith('-')) continue;
    const sub = at.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) break;
    names.push(arg);
    at = sub;
  }
  return names.join(' ');
}

/**
 * Wires the manners into a program before its commands are added (subcommands inherit the
 * output settings): `--quiet`, `--debug`, usage errors reported like every other error, and
 * the mode and command path known before each action runs.
 */
export function withManners(program: Command, version: string): Command {
  return program
    .version(version, '--version', 'print the version')
    .option('--quiet', 'no progress bars or notes on stderr (results and errors still print)')
    .option('--debug', 'print the stack trace of a fatal error')
    .exitOverride()
    .configureOutput({
      outputError: (text) => {
        const message = text.trim().replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
        context.command ??= commandPath(program, process.argv.slice(2));
        const command = context.command;
        reportFatal(new CliError(message, `assetbridge ${command ? `${command} ` : ''}--help`, 'CLI.USAGE'));
      },
    })
    .hook('preAction', (_program, action) => {
      const o = action.optsWithGlobals<{ json?: boolean; quiet?: boolean; debug?: boolean }>();
      Object.assign(mode, { json: Boolean(o.json), quiet: Boolean(o.quiet), debug: Boolean(o.debug) });
      const names: string[] = [];
      for (let c: Command | null = action; c?.parent; c = c.parent) names.unshift(c.name());
      context.command = names.join(' ');
    });
}
