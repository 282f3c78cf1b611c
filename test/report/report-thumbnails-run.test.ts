import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFolder } from '../../local/run-folder.js';
import { SERIES } from '../local/demo-series-copy.js';

const CHROMIUM = '/usr/bin/chromium';
const RESULTS = new URL('../../test-results/', import.meta.url).pathname;

let parent: string;
let report: string;
let html: string;

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'metdb-thumbs-'));
  const folder = join(parent, 'cells');
  mkdirSync(folder);
  // Natural order puts cell_10 last; cell_2_copy has the same bytes as cell_2 (a duplicate).
  const frames = {
    'cell_1.tif': 'frame_00.tif',
    'cell_10.tif': 'frame_07.tif',
    'cell_2.tif': 'frame_03.tif',
  };
  for (const [to, from] of Object.entries(frames)) copyFileSync(join(SERIES, from), join(folder, to));
  copyFileSync(join(SERIES, 'frame_03.tif'), join(folder, 'cell_2_copy.tif'));
  writeFileSync(join(folder, 'metdb.json'), '{ "upsampleFactor": 20, "tileSize": 128 }\n');
  const summary = await runFolder(folder, {
    workers: 2,
    registeredImages: false,
    average: false,
    cwd: parent,
  });
  report = summary.outputs.report;
  html = readFileSync(report, 'utf8');
}, 120_000);

afterAll(() => {
  if (parent !== undefined) rmSync(parent, { recursive: true, force: true });
});

describe('the QC report of a run', () => {
  it('lists images in natural order, counts the reference apart and names the duplicate', () => {
    const rows = [...html.matchAll(/<tr class="[^"]*"><td>(\d+)<\/td><td>([^<]*)<\/td>/g)].map((m) => m[2]);
    // Which of the two identical files is recorded depends on the ingest order: the other is the duplicate.
    const kept = rows[1]!;
    expect(['cell_2.tif', 'cell_2_copy.tif']).toContain(kept);
    expect(rows).toEqual(['cell_1.tif', kept, 'cell_10.tif']);
    const duplicate = kept === 'cell_2.tif' ? 'cell_2_copy.tif' : 'cell_2.tif';
    const cards = [
      ...html.matchAll(/<section class="thumbs [^"]*" id="thumbs-(\d+)"><h3>.*?#\d+ ([^<]*)<\/h3>/g),
    ];
    expect(cards.map((m) => m[2])).toEqual(rows);
    expect(html).toMatch(/<th>images<\/th><td>3<\/td>/);
    expect(html).toMatch(/<th>reference<\/th><td>1<\/td>/);
    expect(html).toMatch(/<th>registered<\/th><td>2<\/td>/);
    expect(/duplicates \(same bytes as an image already in\)<\/th><td>([^<]*)</.exec(html)?.[1]).toBe(
      duplicate,
    );
    expect(html).toMatch(/<th>duplicates \(same bytes as an image already in\)<\/th><td>([^<]*)<\/td>/);
  });

  it('embeds each thumbnail as a PNG data URI and stays small', () => {
    const images = [
      ...html.matchAll(/<img src="(data:image\/png;base64,[A-Za-z0-9+/=]+)" width="(\d+)" height="(\d+)"/g),
    ];
    // The reference alone; each registered image before, after and both overlays.
    expect(images).toHaveLength(1 + 2 * 4);
    for (const m of images) expect(Math.max(Number(m[2]), Number(m[3]))).toBeLessThanOrEqual(128);
    expect(statSync(report).size).toBeLessThan(3 * 60_000);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
  });

  it.skipIf(!existsSync(CHROMIUM))(
    'shows every thumbnail in Chromium, and the cards fit a phone screen',
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu'],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
        await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
        const decoded = await page.evaluate<{ w: number; h: number; right: number }[]>(
          `[...document.querySelectorAll('.gallery img')].map((i) => ({ w: i.naturalWidth, h: i.naturalHeight, right: i.getBoundingClientRect().right }))`,
        );
        expect(decoded).toHaveLength(9);
        for (const d of decoded) {
          expect(d.w).toBeGreaterThan(50);
          expect(d.h).toBeGreaterThan(20);
          expect(d.right).toBeLessThanOrEqual(390);
        }
        const cards = await page.evaluate<number[]>(
          `[...document.querySelectorAll('.thumbs')].map((c) => c.getBoundingClientRect().right)`,
        );
        for (const right of cards) expect(right).toBeLessThanOrEqual(390);
        mkdirSync(RESULTS, { recursive: true });
        await page.locator('.gallery').screenshot({ path: join(RESULTS, 'report-thumbnails-phone.png') });
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
