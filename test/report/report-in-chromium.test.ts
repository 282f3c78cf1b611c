import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFolder } from '../../local/run-folder.js';
import { copyDemoSeries } from '../local/demo-series-copy.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const RESULTS = new URL('../../test-results/', import.meta.url).pathname;

/** What the page measures of each plot (the tests' tsconfig has no DOM types: the script is text). */
interface PlotBox {
  id: string;
  width: number;
  height: number;
  marks: number;
  contentWidth: number;
  contentHeight: number;
}

const MEASURE_PLOTS = `[...document.querySelectorAll('svg.plot')].map((svg) => {
  const box = svg.getBoundingClientRect();
  const content = svg.getBBox();
  return {
    id: svg.id,
    width: box.width,
    height: box.height,
    marks: svg.querySelectorAll('path, circle, rect:not(.canvas):not(.tile)').length,
    contentWidth: content.width,
    contentHeight: content.height,
  };
})`;

let folder: string;
let report: string;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!hasChromium) return;
  folder = copyDemoSeries(['frame_00.tif', 'frame_01.tif', 'frame_04.tif', 'frame_07.tif']);
  const summary = await runFolder(folder, {
    workers: 2,
    registeredImages: false,
    average: false,
    cwd: dirname(folder),
  });
  report = summary.outputs.report;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (folder !== undefined) rmSync(dirname(folder), { recursive: true, force: true });
});

describe.skipIf(!hasChromium)('report.html in headless Chromium', () => {
  it('is self-contained: no script, no external resource', () => {
    const html = readFileSync(report, 'utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
  });

  it('loads without console errors, renders every plot, and is saved as a screenshot', async () => {
    const page = await browser!.newPage({ viewport: { width: 1100, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    const response = await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
    expect(response?.ok()).toBe(true);
    const plots = await page.evaluate<PlotBox[]>(MEASURE_PLOTS);
    const ids = plots.map((p) => p.id);
    expect(ids).toContain('plot-trajectory');
    expect(ids).toContain('plot-ncc');
    expect(ids.filter((id) => id.startsWith('plot-tiles-'))).toHaveLength(3);
    for (const p of plots) {
      expect(p.width, p.id).toBeGreaterThan(100);
      expect(p.height, p.id).toBeGreaterThan(50);
      expect(p.contentWidth, p.id).toBeGreaterThan(50);
      expect(p.contentHeight, p.id).toBeGreaterThan(20);
      expect(p.marks, p.id).toBeGreaterThan(2);
    }
    const rows = await page.locator('table.summary tbody tr').count();
    expect(rows).toBe(4);
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'report.png'), fullPage: true });
    expect(existsSync(join(RESULTS, 'report.png'))).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
