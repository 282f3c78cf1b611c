import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFolder, type RunSummary } from '../../local/run-folder.js';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { ndarray } from '../../shared/ndarray/ndarray.js';
import { seededUniform } from '../../shared/random/seeded.js';

// The U2OS pair (real cells, known subpixel shift) as a flat-field corrected float32 TIFF would
// hold it, once clean and once with 1 % of the pixels NaN, +Inf or -Inf (a division by dead or
// zero flat-field pixels), in both images. The whole local pipeline runs on each: ingest, plan,
// tiles, aggregation, outputs.
const SAMPLES = new URL('../../samples/u2os/', import.meta.url).pathname;
const truth = JSON.parse(readFileSync(join(SAMPLES, 'truth.json'), 'utf8')) as { shift: number[] };
let parent: string;
const runs: Record<'clean' | 'masked', RunSummary> = {} as never;
let badPixels = 0;

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'metdb-non-finite-'));
  const random = seededUniform(20);
  const bad = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const kind of ['clean', 'masked'] as const) mkdirSync(join(parent, kind));
  for (const file of ['reference.tif', 'moving.tif']) {
    const { array } = await readImageFile(join(SAMPLES, file));
    let mean = 0;
    for (const v of array.data) mean += v;
    mean /= array.data.length;
    const flat = Float32Array.from(array.data, (v) => v / mean);
    writeFileSync(join(parent, 'clean', file), encodeTiff(ndarray(flat, array.shape)));
    for (let i = 0; i < flat.length; i++) {
      if (random() < 0.01) {
        flat[i] = bad[Math.floor(random() * 3)]!;
        badPixels++;
      }
    }
    writeFileSync(join(parent, 'masked', file), encodeTiff(ndarray(flat, array.shape)));
  }
  for (const kind of ['clean', 'masked'] as const) {
    writeFileSync(join(parent, kind, 'metdb.json'), JSON.stringify({ reference: 'reference.tif' }));
    runs[kind] = await runFolder(join(parent, kind), { workers: 1, out: join(parent, `out-${kind}`) });
  }
}, 240_000);
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('an image with 1 % NaN and infinite pixels', () => {
  const moving = (kind: 'clean' | 'masked') => runs[kind].results.find((r) => r.file === 'moving.tif')!;

  it('registers within 0.02 px of the clean image, with the same quality', () => {
    expect(badPixels).toBeGreaterThan(0.008 * 2 * 347 * 647);
    const clean = moving('clean');
    const masked = moving('masked');
    expect(clean.role).toBe('registered');
    expect(masked.role).toBe('registered');
    expect(masked.quality).toBe(clean.quality);
    for (let axis = 0; axis < 2; axis++) {
      expect(Math.abs(masked.shift![axis]! - clean.shift![axis]!)).toBeLessThan(0.02);
      expect(Math.abs(masked.shift![axis]! - truth.shift[axis]!)).toBeLessThan(0.1);
    }
    expect(masked.tilesUsed).toBe(clean.tilesUsed);
    expect(Math.abs(masked.nccAfter! - clean.nccAfter!)).toBeLessThan(0.01);
    expect(runs.masked.failed).toBe(0);
  });

  it('writes finite outputs: the registered image and the stacked average', async () => {
    const outputs = runs.masked.outputs;
    const files = [...outputs.registered, outputs.average!];
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) {
      const { array } = await readImageFile(file, { nonFinite: 'keep' });
      expect(array.data.every(Number.isFinite), file).toBe(true);
    }
  });
});
