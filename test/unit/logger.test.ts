// The region's log lines: gathered in memory and written in pieces, yet none is lost, whether
// few lines wait for the timer, many fill a batch, or the process exits with lines waiting.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/start/logger.js';

const dir = mkdtempSync(path.join(tmpdir(), 'assetbridge-logger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const linesOf = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { i: number; region: string });

describe('log lines', () => {
  it('writes a few waiting lines within the flush interval, and a full batch at once, in order', async () => {
    const file = path.join(dir, 'few.log');
    const logger = createLogger('info', { region: 'cn-north-4' }, openSync(file, 'w'));
    for (let i = 0; i < 3; i += 1) logger.info({ i }, 'line');
    await expect.poll(() => linesOf(file).length, { timeout: 2_000, interval: 20 }).toBe(3);
    for (let i = 3; i < 1_003; i += 1) logger.info({ i, pad: 'x'.repeat(40) }, 'line');
    await expect.poll(() => linesOf(file).length, { timeout: 2_000, interval: 20 }).toBe(1_003);
    expect(linesOf(file).map((l) => l.i)).toEqual([...Array(1_003).keys()]);
    expect(linesOf(file)[0]?.region).toBe('cn-north-4');
  });

  it('writes every waiting line when the process exits', () => {
    const file = path.join(dir, 'exit.log');
    const script = path.join(dir, 'exit.ts');
    const logger = fileURLToPath(new URL('../../src/start/logger.ts', import.meta.url));
    writeFileSync(script, `import { openSync } from 'node:fs';
import { createLogger } from ${JSON.stringify(logger)};
const log = createLogger('info', {}, openSync(${JSON.stringify(file)}, 'w'));
for (let i = 0; i < 5; i += 1) log.info({ i }, 'line');
process.exit(0);
`);
    const viteNode = fileURLToPath(new URL('../../node_modules/vite-node/vite-node.mjs', import.meta.url));
    execFileSync(process.execPath, [viteNode, script], { stdio: 'ignore' });
    expect(linesOf(file).map((l) => l.i)).toEqual([0, 1, 2, 3, 4]);
  });
});
