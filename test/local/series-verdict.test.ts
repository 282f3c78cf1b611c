/**
 * The verdict on a series' trajectory (`judgeSeries`) through `metdb run`: a real time-lapse whose
 * nuclei migrate (no common drift) is not trustworthy; a frame no pair reaches is bridged, not lost.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../cli/run-command.js';
import { runFolder } from '../../local/run-folder.js';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { driftSeries } from '../series/drift-series.js';

/** 48 frames of 130² migrating nuclei (Tinevez & Jacquemet, Zenodo 5206107, CC BY 4.0). */
const TIME_LAPSE = new URL('../../samples/sources/cancer_cell_migration_crop.tif', import.meta.url).pathname;
const NUCLEI = new URL('../../samples/sources/bbbc022_hoechst.tif', import.meta.url).pathname;

let parent: string;

function folderWith(name: string, files: Record<string, Uint8Array | string>): string {
  const folder = join(parent, name);
  mkdirSync(folder);
  for (const [file, bytes] of Object.entries(files)) writeFileSync(join(folder, file), bytes);
  return folder;
}

const run = (folder: string) =>
  runFolder(folder, { workers: 1, cwd: parent, registeredImages: false, average: false, logLevel: 'silent' });

beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), 'metdb-series-verdict-'));
});
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('the verdict on a series trajectory', () => {
  it('a time-lapse of migrating nuclei: pairs disagree, the trajectory is not trustworthy', async () => {
    const summary = await run(folderWith('migration', { 'lapse.tif': readFileSync(TIME_LAPSE) }));
    const [series] = summary.series;
    expect(series!.frames).toBe(48);
    expect(series!.verdict!.quality).toBe('failed');
    expect(series!.verdict!.reasons.join('; ')).toMatch(/not trustworthy/);
    const low = summary.results.filter((r) => r.role === 'registered' && r.quality === 'low');
    expect(low.length).toBeGreaterThan(24);
    expect(
      low.every((r) => /^(pairs-disagree|pairs-at-chance|imprecise|bridged): /.test(r.qualityReasons[0]!)),
    ).toBe(true);
    const drift = JSON.parse(readFileSync(join(summary.out, 'drift.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(drift.quality).toBe('failed');
    // Frames judged good on their own do not make an untrustworthy series a success.
    expect(low.length).toBeLessThan(47);
    expect(exitCodeOf(summary)).toBe(1);
    const report = readFileSync(join(summary.out, 'report.html'), 'utf8');
    expect(report).toMatch(/Trajectory verdict <strong>failed<\/strong>: [^<]*not trustworthy/);
    expect((drift.frameReasons as string[][]).filter((r) => r.length > 0)).toHaveLength(low.length);
  }, 180_000);

  it('reference mode: a blank frame (no usable tile) is bridged by interpolation and flagged low', async () => {
    const s = await driftSeries({ frames: 8, size: 160, noise: 0.03, source: NUCLEI });
    const plane = 160 * 160;
    const blank = 5;
    s.stack.data.fill(1000, blank * plane, (blank + 1) * plane);
    const stack = encodeTiff(s.stack, { description: JSON.stringify({ shape: s.stack.shape }) });
    const summary = await run(
      folderWith('blank', { 'stack.tif': stack, 'metdb.json': JSON.stringify({ series: 'reference' }) }),
    );
    const [series] = summary.series;
    expect(series!.state).toBe('done');
    expect(summary.results.map((r) => r.frame)).toEqual([...Array(8).keys()]);
    summary.results.forEach((r, k) => {
      expect(r.shift).not.toBeNull();
      if (k === 0) return;
      expect(r.quality).toBe(k === blank ? 'low' : 'good');
      // The blank frame halfway between its neighbours on a smooth drift: within a pixel.
      const tolerance = k === blank ? 1 : 0.1;
      r.shift!.forEach((v, a) => expect(Math.abs(-v - s.drift[k]![a]!)).toBeLessThan(tolerance));
    });
    expect(summary.results[blank]!.qualityReasons[0]).toMatch(/^bridged: /);
    expect(series!.verdict).toEqual({ quality: 'low', reasons: ['frames-low: 1 of 8 frames are low'] });
    expect(series!.trajectory!.bridgedBins).toEqual([blank]);
  }, 180_000);
});
