import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseIdentityConfig, SettingsReader } from '../../src/config/index.js';
import { openIdentity } from '../../src/start/identity.js';
import { ApiClient } from './api-client.js';
import { mainScript, stopProcess } from './processes.js';

export const regionNames = { a: 'cn-north-4', b: 'ap-southeast-3' } as const;
type Side = keyof typeof regionNames;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One more process of a region (another role), on its own port. */
export interface ExtraProcess {
  name: string;
  child: ChildProcess;
  port: number;
  endpoint: string;
  output: string;
}

/** Two region processes of one deployment (shared identity file and key ring), peers of each other. */
export class Deployment {
  readonly processes: Partial<Record<Side, ChildProcess>> = {};
  readonly output: Record<Side, string> = { a: '', b: '' };
  /** Processes started with `startExtra`. */
  readonly extras: ExtraProcess[] = [];
  clients!: Record<Side, ApiClient>;
  projects!: Record<Side, string>;

  private constructor(
    readonly dir: string,
    readonly ports: Record<Side, number>,
    private readonly shared: Record<string, string>,
  ) {}

  static async create(): Promise<Deployment> {
    const dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-deploy-'));
    const keyRingFile = path.join(dir, 'keyring.json');
    writeFileSync(keyRingFile, JSON.stringify({ active: 'k1', keys: { k1: randomBytes(16).toString('base64') } }));
    const shared = {
      ASSETBRIDGE_MASTER_KEY: randomBytes(32).toString('hex'),
      ASSETBRIDGE_IDENTITY_DATABASE_URL: `sqlite:${path.join(dir, 'identity.db')}`,
      ASSETBRIDGE_KEYRING_FILE: keyRingFile,
      ASSETBRIDGE_LOG_LEVEL: 'warn',
      ASSETBRIDGE_COPY_LEASE: '3',
    };
    return new Deployment(dir, { a: await freePort(), b: await freePort() }, shared);
  }

  endpoint(side: Side): string {
    return `http://127.0.0.1:${this.ports[side]}`;
  }

  dataDir(side: Side): string {
    return path.join(this.dir, side);
  }

  /**
   * Starts (or restarts) one region process on its port and waits until it listens. Peers know
   * each other's port, so a restart keeps it: while the port is still taken, the bind is retried.
   */
  async start(side: Side, env: Record<string, string> = {}): Promise<void> {
    const deadline = Date.now() + 60_000;
    while ((await this.launch(side, env, deadline)) === 'port taken') {
      if (Date.now() > deadline) throw new Error(`region ${side}: port ${this.ports[side]} still taken: ${this.output[side]}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** One attempt: resolves once the process says it listens, or when it exits because its port is taken. */
  private launch(side: Side, env: Record<string, string>, deadline: number): Promise<'listening' | 'port taken'> {
    const other: Side = side === 'a' ? 'b' : 'a';
    const child = spawn(process.execPath, [mainScript, 'region'], {
      env: {
        ...process.env,
        ...this.shared,
        ASSETBRIDGE_REGION: regionNames[side],
        ASSETBRIDGE_PORT: String(this.ports[side]),
        ASSETBRIDGE_DATA_DIR: this.dataDir(side),
        ASSETBRIDGE_URL_SECRET: `${side}-url-secret-${'x'.repeat(40)}`,
        ASSETBRIDGE_PEERS: `${regionNames[other]}=${this.endpoint(other)}`,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.processes[side] = child;
    this.output[side] = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`region ${side} did not start: ${this.output[side]}`));
      }, Math.max(0, deadline - Date.now()));
      const settle = (outcome: () => void) => {
        clearTimeout(timer);
        outcome();
      };
      const onOutput = (d: Buffer) => {
        this.output[side] += d.toString();
        if (this.output[side].includes(`listening on ${this.endpoint(side)}`)) settle(() => resolve('listening'));
      };
      child.stdout.on('data', onOutput);
      child.stderr.on('data', onOutput);
      // 'close' comes after the last output, so the reason of an early exit is in it.
      child.once('close', () => {
        if (this.processes[side] === child) delete this.processes[side];
        if (this.output[side].includes('EADDRINUSE')) settle(() => resolve('port taken'));
        else settle(() => reject(new Error(`region ${side} exited: ${this.output[side]}`)));
      });
    });
  }

  /**
   * Starts one more process of a region on a free port of its own, with the region's settings
   * plus `env`; `command` is what follows `node` (e.g. `[mainScript, 'region', '--role', 'worker']`
   * or the CLI's `serve --role worker`). Resolves once it listens.
   */
  async startExtra(name: string, side: Side, command: string[], env: Record<string, string> = {}): Promise<ExtraProcess> {
    const port = await freePort();
    const other: Side = side === 'a' ? 'b' : 'a';
    const child = spawn(process.execPath, command, {
      env: {
        ...process.env,
        ...this.shared,
        ASSETBRIDGE_REGION: regionNames[side],
        ASSETBRIDGE_DATA_DIR: path.join(this.dir, name),
        ASSETBRIDGE_URL_SECRET: `${side}-url-secret-${'x'.repeat(40)}`,
        ASSETBRIDGE_PEERS: `${regionNames[other]}=${this.endpoint(other)}`,
        ...env,
        ASSETBRIDGE_PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const extra: ExtraProcess = { name, child, port, endpoint: `http://127.0.0.1:${port}`, output: '' };
    this.extras.push(extra);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start: ${extra.output}`)), 60_000);
      const onOutput = (d: Buffer) => {
        extra.output += d.toString();
        if (extra.output.includes(`listening on ${extra.endpoint}`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onOutput);
      child.stderr.on('data', onOutput);
      child.once('close', () => {
        clearTimeout(timer);
        reject(new Error(`${name} exited: ${extra.output}`));
      });
    });
    return extra;
  }

  async stop(side: Side, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.processes[side];
    if (child) await stopProcess(child, signal);
    delete this.processes[side];
  }

  /** An account with AK/SK and a project in both regions (both must have started once). */
  async createAccount(): Promise<void> {
    const reader = new SettingsReader(Object.fromEntries(Object.entries(this.shared)));
    const identity = await openIdentity(parseIdentityConfig(reader, this.dir));
    try {
      const name = `e2e-${randomBytes(3).toString('hex')}`;
      await identity.createAccount(name);
      const { accessKey, secretKey } = await identity.createCredential(name);
      const projects = await identity.projects(name);
      const id = (side: Side) => projects.find((p) => p.region === regionNames[side])?.id ?? '';
      this.projects = { a: id('a'), b: id('b') };
      this.clients = {
        a: new ApiClient({ endpoint: this.endpoint('a'), projectId: id('a'), accessKey, secretKey }),
        b: new ApiClient({ endpoint: this.endpoint('b'), projectId: id('b'), accessKey, secretKey }),
      };
    } finally {
      await identity.close();
    }
  }

  /** Polls ShowAsset in a region until `until` holds (a region restarting meanwhile is waited for). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test JSON
  async waitForAsset(side: Side, id: string, until: (asset: any) => boolean, timeoutMs = 120_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await this.clients[side].call('GET', `/digital-assets/${id}`).catch(() => undefined);
      if (res?.status === 200 && until(res.body)) return res.body;
      if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(res?.body)}\nA:${this.output.a}\nB:${this.output.b}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** A counter of a region's /metrics. */
  async metric(side: Side, name: string): Promise<number> {
    const text = await (await fetch(`${this.endpoint(side)}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(name));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  async close(): Promise<void> {
    for (const extra of this.extras) await stopProcess(extra.child, 'SIGKILL');
    await this.stop('a', 'SIGKILL');
    await this.stop('b', 'SIGKILL');
    await rm(this.dir, { recursive: true, force: true });
  }
}
