import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/adapters/db/database.js';
import { KyselyMetadataStore } from '../../src/adapters/db/metadata-store-kysely.js';
import type { Database } from '../../src/adapters/db/schema.js';
import type { CopyTask } from '../../src/domain/copy-task.js';
import { isoTime } from '../../src/domain/time.js';
import { ApiClient } from '../helpers/api-client.js';
import { insertCopy } from '../helpers/copy-fixture.js';
import { startLocalProcess, stopProcess, type LocalJson } from '../helpers/processes.js';

/**
 * The console's views in Chromium at a desktop and a phone size: routes and deep links,
 * keyboard, the banner, the table, toasts, the upload manager, the recycle bin and the copies
 * view, each checked by axe-core (no serious or critical violation). Screenshots go to
 * test-artifacts/console/, named by view and size.
 */
const artifacts = path.resolve('test-artifacts/console');
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC', 'base64');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const chromiumPath = process.env.ASSETBRIDGE_TEST_CHROMIUM ?? '/usr/bin/chromium';
const chromiumMissing = existsSync(chromiumPath) ? undefined : `no Chromium at ${chromiumPath} (install it: apt-get install chromium, or set ASSETBRIDGE_TEST_CHROMIUM)`;
if (chromiumMissing && process.env.CI === 'true') throw new Error(`CI=true requires the browser test: ${chromiumMissing}`);
if (chromiumMissing) console.warn(`skipping the web console views test: ${chromiumMissing}`);

interface AxeResults {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}

const sizes = [
  { name: '1280x800', width: 1280, height: 800, phone: false },
  { name: '390x844', width: 390, height: 844, phone: true },
];

let dataDir = '';
let child: ChildProcess;
let local: LocalJson;
let browser: Browser;
let clientA: ApiClient;
const copies: Record<string, { creating: CopyTask; failed: CopyTask }> = {};

const regionA = () => local.regions[0] as LocalJson['regions'][number];
const regionB = () => local.regions[1] as LocalJson['regions'][number];

/** Works on region B's metadata database beside the running process (SQLite allows it). */
async function withStoreB<T>(work: (store: KyselyMetadataStore) => Promise<T>): Promise<T> {
  const database = openDatabase<Database>(`sqlite:${path.join(dataDir, regionB().name, 'metadata.db')}`);
  try {
    return await work(new KyselyMetadataStore(database.db, database.engine));
  } finally {
    await database.close();
  }
}

/** Incoming copies written into B's metadata (one running, one failed; never due, so no worker takes them). */
const seedCopies = () =>
  withStoreB(async (store) => {
    const b = regionB();
    const later = '2999-01-01T00:00:00.000Z';
    const creating = await insertCopy(store, { projectId: b.project_id, sourceRegion: regionA().name, nextRunAt: later });
    const failed = await insertCopy(store, { projectId: b.project_id, sourceRegion: regionA().name, nextRunAt: later });
    const at = isoTime(new Date());
    await store.transaction(async (tx) => {
      await tx.copyTasks.finish(failed, { state: 'FAILED', at, failureCode: 'source_not_found', lastError: 'gone at the source' });
      await tx.updateAsset(failed.projectId, failed.assetId, { assetState: 'FAILED', failType: 'source_not_found', reason: 'gone at the source', updatedAt: at }, ['CREATING']);
    });
    return { creating, failed };
  });

beforeAll(async () => {
  if (chromiumMissing) return;
  dataDir = await mkdtemp(path.join(tmpdir(), 'assetbridge-console-views-'));
  ({ child, local } = await startLocalProcess(dataDir));
  const keys = { accessKey: local.access_key, secretKey: local.secret_key };
  clientA = new ApiClient({ endpoint: regionA().endpoint, projectId: regionA().project_id, ...keys });
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  mkdirSync(artifacts, { recursive: true });
}, 90_000);
afterAll(async () => {
  await browser?.close();
  if (child) await stopProcess(child);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const assetByName = async (client: ApiClient, name: string, state?: string): Promise<Record<string, unknown> | undefined> => {
  const body = (await client.ok('GET', `/digital-assets?accurate_query_field=name&name=${encodeURIComponent(name)}${state ? `&asset_state=${state}` : ''}`)) as { assets: Record<string, unknown>[] };
  return body.assets[0];
};

for (const size of sizes) {
  describe.skipIf(chromiumMissing !== undefined)(`web console views at ${size.name}`, () => {
    let context: BrowserContext;
    let page: Page;
    const notFound: string[] = [];
    const seeded = { image: '', binned: '', doomed: '' };
    const n = (base: string) => `${base}-${size.name}`;
    const shot = (view: string) => page.screenshot({ path: path.join(artifacts, `${view}-${size.name}.png`) });

    /** No serious or critical axe violation, no horizontal overflow; then a screenshot of the view. */
    const check = async (view: string): Promise<void> => {
      if (!(await page.evaluate<boolean>("'axe' in window"))) await page.addScriptTag({ content: axeSource });
      const result = await page.evaluate<AxeResults>("axe.run(document, { resultTypes: ['violations'] })");
      const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(bad.map((v) => `${view}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.map((x) => x.target.join(' ')).join(', ')}`)).toEqual([]);
      const widths = await page.evaluate<{ page: number; viewport: number }>('({ page: document.documentElement.scrollWidth, viewport: window.innerWidth })');
      expect(widths.page, `${view}: page wider than the viewport`).toBeLessThanOrEqual(widths.viewport);
      await shot(view);
    };
    const signIn = async () => {
      await page.getByLabel('Account').fill(local.account.name);
      await page.getByLabel('User').fill(local.user.name);
      await page.getByLabel('Password').fill(local.user.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
    };
    const focused = (attribute: string) => page.evaluate<string | null>(`document.activeElement?.getAttribute('${attribute}') ?? null`);
    /** A new tab: no session yet (the console keeps it in the tab's sessionStorage). */
    const freshPage = async () => {
      await page?.close();
      page = await context.newPage();
      page.on('response', (res) => {
        if (res.status() === 404 && !new URL(res.url()).pathname.startsWith('/v1/')) notFound.push(res.url());
      });
    };
    /** Opens a route of the console served by region A, signing in if the tab has no session. */
    const visit = async (route: string) => {
      // A full load (the tab's session stays): no toast or state left from an earlier test.
      await page.goto('about:blank');
      await page.goto(`${regionA().endpoint}/console/${route}`);
      if (await page.getByRole('button', { name: 'Sign in' }).isVisible()) await signIn();
      await page.evaluate('document.activeElement?.blur()');
    };
    const hash = () => page.evaluate<string>('location.hash');
    const details = () => page.getByTestId('details');
    const row = (name: string) => page.getByTestId('asset-row').filter({ hasText: name });

    beforeAll(async () => {
      seeded.image = await clientA.createAsset({ asset_name: n('photo'), asset_type: 'IMAGE' });
      await clientA.addFile(seeded.image, 'photo.png', png);
      seeded.binned = await clientA.createAsset({ asset_name: n('binned'), asset_type: 'IMAGE' });
      await clientA.addFile(seeded.binned, 'binned.png', png);
      await clientA.ok('DELETE', `/digital-assets/${seeded.binned}`);
      seeded.doomed = await clientA.createAsset({ asset_name: n('doomed'), asset_type: 'IMAGE' });
      await clientA.addFile(seeded.doomed, 'doomed.png', png);
      copies[size.name] = await seedCopies();
      context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
      await freshPage();
    }, 60_000);
    afterAll(async () => context?.close());

    it('opens a deep link after sign-in; Esc closes the details; back and forward move between list and details', async () => {
      const a = regionA();
      await freshPage();
      await page.goto(`${a.endpoint}/console/#/${a.name}/assets/${seeded.image}`);
      // No session: the sign-in form (labelled fields), saying what opens after it.
      await page.getByText(`Sign in to open asset ${seeded.image}`).waitFor();
      await check('signin');
      await signIn();
      await details().getByRole('heading', { name: n('photo') }).waitFor();
      expect(await details().getByTestId('details-state').textContent()).toBe('ACTIVED');
      expect(await hash()).toBe(`#/${a.name}/assets/${seeded.image}`);
      if (size.phone) {
        // The details take the whole screen on a phone.
        const box = await details().boundingBox();
        expect(box).toMatchObject({ x: 0, y: 0, width: size.width, height: size.height });
      }
      await check('details');
      // The favicon is served (no 404 for it or any console file).
      const icon = await page.evaluate<string>("document.querySelector('link[rel=icon]').href");
      const res = await fetch(icon);
      expect({ status: res.status, type: res.headers.get('content-type') }).toMatchObject({ status: 200, type: expect.stringContaining('image/svg+xml') });

      await page.keyboard.press('Escape');
      await details().waitFor({ state: 'detached' });
      expect(await hash()).toBe(`#/${a.name}`);
      // The table: a header with every column, the id in full.
      const headers = await page.getByRole('columnheader').allTextContents();
      expect(headers).toEqual(['Preview', 'Name', 'Type', 'State', 'Size', 'Updated', 'Id']);
      await row(n('photo')).filter({ hasText: seeded.image }).filter({ hasText: '75 B' }).waitFor();
      // The sign-out button is fully on screen.
      const out = await page.getByRole('button', { name: 'Sign out' }).boundingBox();
      expect((out?.x ?? 0) + (out?.width ?? 0)).toBeLessThanOrEqual(size.width);
      await check('library');

      await row(n('photo')).click();
      await details().getByRole('heading', { name: n('photo') }).waitFor();
      await page.goBack();
      await details().waitFor({ state: 'detached' });
      expect(await hash()).toBe(`#/${a.name}`);
      await page.goForward();
      await details().getByRole('heading', { name: n('photo') }).waitFor();
      await page.getByRole('button', { name: 'Close' }).click();
      await details().waitFor({ state: 'detached' });
    });

    it('reaches rows and actions by keyboard, with a visible focus', async () => {
      await visit(`#/${regionA().name}`);
      await row(n('photo')).waitFor();
      let reached = false;
      for (let i = 0; i < 40 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = (await focused('data-testid')) === 'asset-row';
      }
      expect(reached, 'Tab reaches an asset row').toBe(true);
      const outline = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
      expect(outline).toBe('solid');
      await page.keyboard.press('Enter');
      await details().waitFor();
      // Focus moved into the details; Tab goes on to its buttons.
      await expect.poll(() => page.evaluate<boolean>("document.activeElement?.id === 'details-title'")).toBe(true);
      await page.keyboard.press('Tab');
      expect(await page.evaluate<string>('document.activeElement?.textContent')).toBe('Close');
      await page.keyboard.press('Escape');
      await details().waitFor({ state: 'detached' });
      // Focus came back to the row the details were opened from.
      await expect.poll(() => focused('data-testid')).toBe('asset-row');
    });

    it('says what to do when no asset matches the filters, and clears them', async () => {
      await visit(`#/${regionA().name}`);
      await row(n('photo')).waitFor();
      await page.getByLabel('filter name').fill(`no-such-asset-${size.name}`);
      await page.getByTestId('empty-state').filter({ hasText: 'No assets match these filters.' }).waitFor();
      expect(await page.getByText(/of 0/).count()).toBe(0);
      await check('library-no-match');
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await row(n('photo')).waitFor();
      expect(await page.getByLabel('filter name').inputValue()).toBe('');
    });

    it('copies an id; deletes and restores with toasts whose Undo takes the change back', async () => {
      const a = regionA();
      await visit(`#/${a.name}`);
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: a.endpoint });
      await row(n('photo')).getByRole('button', { name: `Copy id ${seeded.image}` }).click();
      await page.getByTestId('toast').filter({ hasText: `Copied the id: ${seeded.image}` }).waitFor();
      expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(seeded.image);
      // The copy button does not open the row.
      expect(await details().count()).toBe(0);

      await row(n('photo')).click();
      await details().getByRole('button', { name: 'Delete', exact: true }).click();
      await page.getByTestId('toast').filter({ hasText: `Moved "${n('photo')}" to the recycle bin` }).waitFor();
      await details().getByTestId('details-state').filter({ hasText: 'DELETING' }).waitFor();
      expect((await assetByName(clientA, n('photo'), 'DELETING'))?.asset_id).toBe(seeded.image);
      // Out of the library (it is in the recycle bin now).
      await row(n('photo')).waitFor({ state: 'detached' });
      await check('toast');
      await page.getByTestId('toast').filter({ hasText: `Moved "${n('photo')}"` }).getByRole('button', { name: 'Undo' }).click();
      await details().getByTestId('details-state').filter({ hasText: 'ACTIVED' }).waitFor();
      expect((await assetByName(clientA, n('photo')))?.asset_state).toBe('ACTIVED');
      await page.keyboard.press('Escape');
    });

    it('recycle bin: lists deleted assets, restores one (Undo deletes it again); an empty bin says what it is for', async () => {
      const [a, b] = [regionA(), regionB()];
      await visit(`#/${a.name}`);
      await page.getByRole('link', { name: 'Recycle bin' }).click();
      expect(await hash()).toBe(`#/${a.name}/bin`);
      await row(n('binned')).filter({ hasText: 'DELETING' }).waitFor();
      expect(await row(n('photo')).count()).toBe(0);
      await check('bin');
      await row(n('binned')).click();
      expect(await hash()).toBe(`#/${a.name}/assets/${seeded.binned}`);
      await details().getByRole('button', { name: 'Restore' }).click();
      await page.getByTestId('toast').filter({ hasText: `Restored "${n('binned')}"` }).waitFor();
      await row(n('binned')).waitFor({ state: 'detached' });
      expect((await assetByName(clientA, n('binned')))?.asset_state).toBe('ACTIVED');
      await page.getByTestId('toast').filter({ hasText: `Restored "${n('binned')}"` }).getByRole('button', { name: 'Undo' }).click();
      await row(n('binned')).waitFor();
      expect((await assetByName(clientA, n('binned'), 'DELETING'))?.asset_id).toBe(seeded.binned);
      await page.keyboard.press('Escape');
      await details().waitFor({ state: 'detached' });
      expect(await hash()).toBe(`#/${a.name}/bin`);

      // Region B's bin is empty (the region select keeps the view).
      await page.getByLabel('region', { exact: true }).selectOption(b.name);
      expect(await hash()).toBe(`#/${b.name}/bin`);
      await page.getByTestId('empty-state').filter({ hasText: 'The recycle bin is empty' }).waitFor();
      await check('bin-empty');
    });

    it('copies view: incoming copies running and failed, with progress and reasons, from the copy_state filter', async () => {
      const b = regionB();
      // The console served by A shows B's copies (the session is A's origin's).
      await visit(`#/${b.name}/copies`);
      const seededCopies = copies[size.name];
      if (!seededCopies) throw new Error('no copies seeded');
      const running = page.getByTestId('asset-row').filter({ hasText: seededCopies.creating.assetId });
      const failed = page.getByTestId('asset-row').filter({ hasText: seededCopies.failed.assetId });
      await running.filter({ hasText: 'CREATING' }).getByTestId('copy-row-progress').filter({ hasText: '0/1 files, 0 B of 1 B' }).waitFor();
      await failed.filter({ hasText: 'FAILED' }).getByTestId('copy-row-reason').filter({ hasText: 'source_not_found: gone at the source' }).waitFor();
      expect(await failed.textContent()).toContain(regionA().name);
      await check('copies');
      // The view follows a running copy's progress by itself.
      const task = seededCopies.creating;
      expect(await withStoreB((store) => store.copyTasks.recordProgress(task, task.files[0]?.id ?? '', 1, true))).toBe(true);
      await running.getByTestId('copy-row-progress').filter({ hasText: '1/1 files, 1 B of 1 B' }).waitFor();
      await failed.click();
      await details().getByTestId('details-state').filter({ hasText: 'FAILED' }).waitFor();
      await page.keyboard.press('Escape');
    });

    it('asks "Delete … for good?" naming the asset; Esc cancels it, confirming deletes it', async () => {
      const a = regionA();
      await visit(`#/${a.name}/assets/${seeded.doomed}`);
      await details().getByRole('button', { name: 'Delete for good' }).click();
      const dialog = page.getByRole('dialog', { name: `Delete "${n('doomed')}" for good?` });
      await dialog.waitFor();
      await check('dialog-delete');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      // Esc closed only the dialog: the details stay.
      await details().getByRole('heading', { name: n('doomed') }).waitFor();
      await details().getByRole('button', { name: 'Delete for good' }).click();
      await dialog.getByRole('button', { name: 'Delete for good' }).click();
      await page.getByTestId('toast').filter({ hasText: `Deleted "${n('doomed')}" for good` }).waitFor();
      await details().waitFor({ state: 'detached' });
      expect((await clientA.call('GET', `/digital-assets/${seeded.doomed}`)).status).toBe(404);
    });

    it('uploads several files, each its own asset with a guessed, editable type, each with a bar and speed; cancel deletes the asset', async () => {
      const a = regionA();
      await visit(`#/${a.name}`);
      const pic = path.join(dataDir, `pic-${size.name}.png`);
      const notes = path.join(dataDir, `notes-${size.name}.txt`);
      writeFileSync(pic, png);
      writeFileSync(notes, 'some notes\n');
      await page.getByLabel('files').setInputFiles([pic, notes]);
      const picType = page.getByLabel(`asset type for pic-${size.name}.png`);
      const notesType = page.getByLabel(`asset type for notes-${size.name}.txt`);
      expect(await picType.inputValue()).toBe('IMAGE');
      expect(await notesType.inputValue()).toBe('COMMON_FILE');
      await notesType.selectOption('MATERIAL');
      // A file without an asset name holds the start back, saying why.
      await page.getByLabel(`asset name for notes-${size.name}.txt`).fill('');
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      await page.getByRole('alert').filter({ hasText: 'Give the asset a name before the upload.' }).waitFor();
      expect(await assetByName(clientA, `pic-${size.name}.png`)).toBeUndefined();
      await page.getByLabel(`asset name for notes-${size.name}.txt`).fill(n('notes'));
      await check('upload-ready');
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      const items = page.getByTestId('upload-item');
      await items.filter({ hasText: `pic-${size.name}.png` }).getByTestId('upload-progress').filter({ hasText: /uploaded · 75 B · [\d.]+ (B|KiB|MiB)\/s/ }).waitFor();
      await items.filter({ hasText: `notes-${size.name}.txt` }).getByTestId('upload-progress').filter({ hasText: /uploaded · 11 B · .*\/s/ }).waitFor();
      const bar = items.filter({ hasText: `pic-${size.name}.png` }).getByRole('progressbar');
      expect([await bar.getAttribute('value'), await bar.getAttribute('max')]).toEqual(['75', '75']);
      expect(await assetByName(clientA, `pic-${size.name}.png`)).toMatchObject({ asset_type: 'IMAGE', asset_state: 'ACTIVED' });
      expect(await assetByName(clientA, n('notes'))).toMatchObject({ asset_type: 'MATERIAL', asset_state: 'ACTIVED' });
      await row(n('notes')).waitFor();
      await check('upload-done');

      // A file whose bytes are held in flight: Cancel turns it CANCELLED and deletes its asset for good.
      const big = path.join(dataDir, `big-${size.name}.bin`);
      writeFileSync(big, Buffer.alloc(256 * 1024, 7));
      let held: Route | undefined;
      await page.route('**/blobs/upload/**', (route) => { held = route; });
      await page.getByLabel('files').setInputFiles(big);
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      await expect.poll(() => held !== undefined).toBe(true);
      await page.getByRole('button', { name: `Cancel big-${size.name}.bin` }).click();
      await items.filter({ hasText: `big-${size.name}.bin` }).getByTestId('upload-progress').filter({ hasText: 'CANCELLED' }).waitFor();
      await held?.abort().catch(() => undefined);
      await page.unroute('**/blobs/upload/**');
      const gone = await assetByName(clientA, `big-${size.name}.bin`, 'DELETED');
      expect(gone?.asset_state).toBe('DELETED');
      expect(await assetByName(clientA, `big-${size.name}.bin`)).toBeUndefined();
      await check('upload-cancelled');
    });

    it('shows a banner with a way out when the region does not answer, never an empty library', async () => {
      const a = regionA();
      await visit(`#/${a.name}`);
      await row(n('photo')).waitFor();
      await page.route(`${a.endpoint}/v1/**`, (route) => route.abort('connectionrefused'));
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.getByTestId('banner').filter({ hasText: `Cannot reach ${a.name} at ${a.endpoint}` }).waitFor();
      expect(await page.getByTestId('asset-row').count()).toBe(0);
      expect(await page.getByTestId('empty-state').count()).toBe(0);
      expect(await page.getByText(/of 0/).count()).toBe(0);
      await page.getByTestId('list-error').waitFor();
      await check('banner-unreachable');
      await page.unroute(`${a.endpoint}/v1/**`);
      await page.getByTestId('banner').getByRole('button', { name: 'Retry' }).click();
      await row(n('photo')).waitFor();
      await page.getByTestId('banner').waitFor({ state: 'detached' });
    });

    it('an expired session: a banner, then sign-in returns to the same view', async () => {
      const a = regionA();
      await visit(`#/${a.name}/bin`);
      await row(n('binned')).waitFor();
      // The server no longer accepts the session's tokens.
      await page.evaluate(`{
        const s = JSON.parse(sessionStorage.getItem('assetbridge-session'));
        for (const r of s.regions) r.token = 'expired';
        sessionStorage.setItem('assetbridge-session', JSON.stringify(s));
      }`);
      await page.reload();
      await page.getByTestId('banner').filter({ hasText: 'Your session has expired' }).waitFor();
      expect(await page.getByTestId('empty-state').count()).toBe(0);
      await check('banner-expired');
      await page.getByRole('button', { name: 'Sign in again' }).click();
      await page.getByText(`Sign in to open the recycle bin of ${a.name}`).waitFor();
      await signIn();
      expect(await hash()).toBe(`#/${a.name}/bin`);
      await row(n('binned')).waitFor();
      expect(notFound).toEqual([]);
    });

    it('rules page: creates a rule to the other region, lists it with its counts, the asset shows its replica; disables and deletes it', async () => {
      const [a, b] = [regionA(), regionB()];
      const ruleName = n('rule');
      await visit(`#/${a.name}`);
      await page.getByRole('link', { name: 'Rules' }).click();
      expect(await hash()).toBe(`#/${a.name}/rules`);
      const form = page.getByRole('form', { name: 'New rule' });
      await form.getByLabel('Rule name').fill(ruleName);
      // The target is one of the deployment's other regions.
      expect(await form.getByLabel('Target region').locator('option').allTextContents()).toEqual([b.name]);
      await form.getByLabel('Target region').selectOption(b.name);
      await form.getByLabel('IMAGE', { exact: true }).check();
      await form.getByLabel('Name prefix').fill(n('replicated'));
      await form.getByRole('button', { name: 'Create rule' }).click();
      await page.getByTestId('toast').filter({ hasText: `Created rule "${ruleName}" to ${b.name}` }).waitFor();
      const ruleRow = page.getByTestId('rule-row').filter({ hasText: ruleName });
      await ruleRow.getByTestId('rule-counts').filter({ hasText: '0 pending, 0 copying, 0 completed, 0 failed' }).waitFor();
      expect(await ruleRow.textContent()).toContain(`types IMAGE; names starting "${n('replicated')}"`);
      const listed = (await clientA.ok('GET', '/replication-rules')) as { rules: { rule_id: string; rule_name: string; target_region: string; enabled: boolean }[] };
      const rule = listed.rules.find((r) => r.rule_name === ruleName);
      expect(rule).toMatchObject({ target_region: b.name, enabled: true });
      const ruleId = rule?.rule_id ?? '';

      // An asset under the rule: its replica reaches B, the rule counts it, the details show it COMPLETED.
      const assetId = await clientA.createAsset({ asset_name: n('replicated'), asset_type: 'IMAGE' });
      await clientA.addFile(assetId, 'replicated.png', png);
      await expect.poll(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return ruleRow.getByTestId('rule-counts').textContent();
      }, { timeout: 30_000, interval: 500 }).toBe('0 pending, 0 copying, 1 completed, 0 failed');
      await check('rules');

      await visit(`#/${a.name}/assets/${assetId}`);
      const replica = details().getByTestId('replica').filter({ hasText: b.name });
      await replica.filter({ hasText: 'COMPLETED' }).filter({ hasText: 'completed' }).waitFor({ timeout: 30_000 });
      expect(((await clientA.ok('GET', `/digital-assets/${assetId}`)) as { replication_status: { state: string }[] }).replication_status).toMatchObject([{ state: 'COMPLETED', target_region: b.name, rule_id: ruleId }]);
      await check('details-replication');
      await page.keyboard.press('Escape');
      await details().waitFor({ state: 'detached' });
      // The library marks the asset as having its replica.
      await row(n('replicated')).getByTestId('replica-marker').filter({ hasText: 'replicas: 1 of 1 completed' }).waitFor();
      await check('library-replicas');

      await visit(`#/${a.name}/rules`);
      // Keyboard: Tab reaches the rule's actions; Enter disables it.
      await ruleRow.waitFor();
      let reached = false;
      for (let i = 0; i < 40 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = (await focused('aria-label')) === `Disable rule ${ruleName}`;
      }
      expect(reached, 'Tab reaches the rule\'s Disable button').toBe(true);
      await page.keyboard.press('Enter');
      await ruleRow.getByTestId('rule-enabled').filter({ hasText: 'disabled' }).waitFor();
      expect(((await clientA.ok('GET', `/replication-rules/${ruleId}`)) as { enabled: boolean }).enabled).toBe(false);
      await ruleRow.getByRole('button', { name: `Delete rule ${ruleName}` }).click();
      const dialog = page.getByRole('dialog', { name: `Delete rule "${ruleName}"?` });
      await dialog.waitFor();
      await dialog.getByRole('button', { name: 'Delete rule' }).click();
      await page.getByTestId('toast').filter({ hasText: `Deleted rule "${ruleName}"` }).waitFor();
      await ruleRow.waitFor({ state: 'detached' });
      expect((await clientA.call('GET', `/replication-rules/${ruleId}`)).status).toBe(404);
    }, 90_000);
  });
}
