import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalProcess, stopProcess, type LocalJson } from '../helpers/processes.js';

const artifacts = path.resolve('test-artifacts/console');
// A real 8x8 PNG (red), so the browser can decode the thumbnail.
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC',
  'base64',
);

// The browser test runs wherever Chromium is installed, and CI (CI=true) requires it.
const chromiumPath = process.env.ASSETBRIDGE_TEST_CHROMIUM ?? '/usr/bin/chromium';
const chromiumMissing = existsSync(chromiumPath)
  ? undefined
  : `no Chromium at ${chromiumPath} (install it: apt-get install chromium, or set ASSETBRIDGE_TEST_CHROMIUM)`;
const browserRequired = process.env.CI === 'true';

let dataDir = '';
let child: ChildProcess;
let local: LocalJson;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (chromiumMissing) {
    if (browserRequired) throw new Error(`CI=true requires the browser test: ${chromiumMissing}`);
    console.warn(`skipping the web console browser test: ${chromiumMissing}`);
    return;
  }
  dataDir = await mkdtemp(path.join(tmpdir(), 'assetbridge-console-'));
  ({ child, local } = await startLocalProcess(dataDir));
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  mkdirSync(artifacts, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  if (child) await stopProcess(child);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: path.join(artifacts, `flow-${name}-1280x800.png`) });

describe('web console in Chromium', () => {
  it('signs in, uploads an image with a thumbnail, copies it to the other region, deletes and restores', async ({ skip }) => {
    skip(chromiumMissing !== undefined, chromiumMissing);
    const [a, b] = local.regions;
    await page.goto(`${a?.endpoint}/console/`);
    await page.getByLabel('Account').fill(local.account.name);
    await page.getByLabel('User').fill(local.user.name);
    await page.getByLabel('Password').fill(local.user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('region', { exact: true }).waitFor();
    await shot('1-signed-in');

    const file = path.join(dataDir, 'red.png');
    writeFileSync(file, png);
    await page.getByLabel('files').setInputFiles(file);
    await page.getByLabel('asset name').fill('console-red');
    await page.getByLabel('asset type').selectOption('IMAGE');
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByTestId('upload-progress').filter({ hasText: 'uploaded' }).waitFor();
    const thumb = page.getByTestId('thumbnail').first();
    await thumb.waitFor();
    // The browser decoded the image behind the thumbnail's download URL.
    await expect.poll(() => thumb.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(8);
    await shot('2-uploaded');

    await page.getByTestId('asset-row').filter({ hasText: 'console-red' }).click();
    await page.getByLabel('target region').selectOption(b?.name ?? '');
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByTestId('copy-progress').filter({ hasText: `ACTIVED in ${b?.name ?? ''}` }).waitFor({ timeout: 30_000 });
    await shot('3-copied');

    await page.getByLabel('region', { exact: true }).selectOption(b?.name ?? '');
    const copied = page.getByTestId('asset-row').filter({ hasText: 'console-red' });
    await copied.filter({ hasText: 'ACTIVED' }).waitFor();
    await copied.click();
    // The image's metadata, filled in A and carried by the copy.
    await page.getByTestId('media-meta').filter({ hasText: 'png · 8 × 8 · Horizontal' }).waitFor();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByTestId('details-state').filter({ hasText: 'DELETING' }).waitFor();
    await shot('4-deleted');
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByTestId('details-state').filter({ hasText: 'ACTIVED' }).waitFor();
    await shot('5-restored');
    expect(await page.getByTestId('details').textContent()).toContain('red.png');
  });
});
