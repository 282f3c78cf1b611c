import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFolder } from '../../local/run-folder.js';
import { startStatusServer, type StatusServer } from '../../local/serve/status-server.js';
import { LocalFolderBlobStore } from '../../shared/adapters/local-folder-blob-store.js';
import { connectDatabase, type DatabaseHandle } from '../../shared/adapters/open-database.js';
import { SERIES } from '../local/demo-series-copy.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const RESULTS = new URL('../../test-results/', import.meta.url).pathname;
const PHONE = { width: 390, height: 844 };

let parent: string;
let handle: DatabaseHandle | undefined;
let server: StatusServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!hasChromium) return;
  parent = mkdtempSync(join(tmpdir(), 'metdb-serve-ui-'));
  const folder = join(parent, 'cells');
  mkdirSync(folder);
  for (const [to, from] of Object.entries({
    'a_1.tif': 'frame_00.tif',
    'a_2.tif': 'frame_03.tif',
    'a_10.tif': 'frame_07.tif',
  })) {
    copyFileSync(join(SERIES, from), join(folder, to));
  }
  const out = join(parent, 'out');
  await runFolder(folder, { workers: 2, out, registeredImages: false, average: false, cwd: parent });
  handle = await connectDatabase({ kind: 'sqlite', path: join(out, 'metdb.sqlite') }, { readOnly: true });
  server = await startStatusServer({
    db: handle.db,
    source: 'test',
    port: 0,
    blobs: new LocalFolderBlobStore(join(out, 'blobs')),
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await handle?.close();
  if (parent !== undefined) rmSync(parent, { recursive: true, force: true });
});

describe.skipIf(!hasChromium)('metdb serve in headless Chromium', () => {
  it('shows the datasets, then a dataset’s images and jobs, fitting a 390 px phone screen', async () => {
    const page = await browser!.newPage({ viewport: PHONE });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    expect((await page.goto(`${server!.url}/`))?.ok()).toBe(true);
    await page.getByRole('link', { name: 'cells' }).click();
    await page.waitForURL(/\/datasets\//);
    expect(await page.locator('h1').innerText()).toBe('cells');
    expect(await page.locator('p.counts').innerText()).toMatch(
      /^3 images, 1 reference, 2 registered, 0 failed, 0 pending/,
    );
    const files = await page.locator('#images tbody td[data-label="file"]').allInnerTexts();
    expect(files).toEqual(['a_1.tif', 'a_2.tif', 'a_10.tif']);
    expect(await page.locator('#images tbody td.quality').allInnerTexts()).toEqual(['', '✔ good', '✔ good']);
    expect(await page.locator('#jobs tbody tr').count()).toBe(2);
    for (const state of await page.locator('#jobs tbody td[data-label="state"]').allInnerTexts())
      expect(state).toBe('done');
    // Every thumbnail loads (scrolled into view: they load lazily).
    const thumbs = page.locator('#images img');
    expect(await thumbs.count()).toBe(3);
    for (let k = 0; k < 3; k++) {
      await thumbs.nth(k).scrollIntoViewIfNeeded();
      await page.waitForFunction(
        `(() => { const i = document.querySelectorAll('#images img')[${k}]; return i.complete && i.naturalWidth > 0; })()`,
      );
    }
    // No sideways scroll: the page is as wide as the phone, and every row card fits in it.
    const widths = await page.evaluate<{ scroll: number; inner: number; widest: number }>(
      `({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
          widest: Math.max(...[...document.querySelectorAll('tr, td, img, p, h1')].map((e) => e.getBoundingClientRect().right)) })`,
    );
    expect(widths.inner).toBe(PHONE.width);
    expect(widths.scroll).toBeLessThanOrEqual(PHONE.width);
    expect(widths.widest).toBeLessThanOrEqual(PHONE.width);
    await page.evaluate('window.scrollTo(0, 0)');
    mkdirSync(RESULTS, { recursive: true });
    const shot = await page.screenshot({ path: join(RESULTS, 'serve-phone.png'), fullPage: true });
    // Not blank: a phone-wide picture with text and thumbnails (dark pixels) on a light page.
    const { data, info } = await sharp(shot).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBe(PHONE.width);
    const dark = data.reduce((n, v) => n + (v < 128 ? 1 : 0), 0) / data.length;
    const stats = await sharp(shot).greyscale().stats();
    expect(dark).toBeGreaterThan(0.02);
    expect(dark).toBeLessThan(0.6);
    expect(stats.channels[0]!.stdev).toBeGreaterThan(20);
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it('shows tables with their headers on a wide screen, and serves the dataset’s report', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server!.url}/`);
    expect(await page.locator('#datasets thead th').first().isVisible()).toBe(true);
    await page.getByRole('link', { name: 'report' }).click();
    await page.waitForURL(/report\.html$/);
    expect(await page.locator('h1').innerText()).toBe('Met-db QC report: cells');
    expect(await page.locator('.gallery img').count()).toBe(1 + 2 * 4);
    await page.close();
  }, 60_000);
});
