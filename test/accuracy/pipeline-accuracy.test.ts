import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCase, type AccuracyCase } from '../../bench/accuracy/accuracy-case.js';
import {
  accuracyCaseSpecs,
  loadAccuracySources,
  type AccuracySources,
} from '../../bench/accuracy/accuracy-cases.js';
import { runPair } from '../../bench/accuracy/run-pair.js';
import { runFolder } from '../../local/run-folder.js';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { phaseCrossCorrelation } from '../../shared/registration/phase-cross-correlation.js';

// The default pipeline's accuracy on a few of `npm run bench:accuracy`'s seeded cases (real
// pixels, borders where content enters and leaves, noise). The bounds sit between what the
// pipeline reaches and what phase correlation, its former default, gave.

let sources: AccuracySources;
beforeAll(async () => {
  sources = await loadAccuracySources();
});

function caseOf(id: string): AccuracyCase {
  const [spec] = accuracyCaseSpecs(sources, new RegExp(`^${id}$`));
  return makeCase(spec!);
}

const errorOf = (shift: readonly number[], truth: readonly number[]): number =>
  Math.hypot(...shift.map((s, k) => s - truth[k]!));

describe('the default pipeline on low-texture, noisy, cropped pairs', () => {
  it('registers the 256² cell with 20 % noise within 2.5 px (phase correlation: 20 px off)', () => {
    const c = caseOf('cell-256-crop-gauss20');
    expect(errorOf(runPair(c.reference, c.moving), c.truth)).toBeLessThan(2.5);
  });

  it('registers the 256² cell with 2 % noise within 0.2 px (phase correlation: 0.5 px off)', () => {
    const c = caseOf('cell-256-crop-gauss2');
    expect(errorOf(runPair(c.reference, c.moving), c.truth)).toBeLessThan(0.2);
  });

  it('keeps clean textured pairs at scikit-image phase correlation accuracy', () => {
    for (const id of ['camera-256-crop-clean', 'nuclei-256-crop-gauss2']) {
      const c = caseOf(id);
      const skimage = phaseCrossCorrelation(c.reference, c.moving, { upsampleFactor: 100 }).shift;
      expect(errorOf(runPair(c.reference, c.moving), c.truth)).toBeLessThan(errorOf(skimage, c.truth) + 0.02);
    }
  });

  it('registers a periodic shift of the low-texture cell within 0.04 px (window alone: 0.146 px)', () => {
    // The cell sits against the border, where the correlation's window discards it; the direct
    // alignment finds the shift periodic and uses every pixel.
    const c = caseOf('cell-256-circular-gauss2');
    expect(errorOf(runPair(c.reference, c.moving), c.truth)).toBeLessThan(0.04);
  });

  it('registers sparse nuclei at 30 photons, cropped, within 0.09 px (correlation alone: 0.131 px)', () => {
    const c = caseOf('nuclei-256-crop-poisson30');
    expect(errorOf(runPair(c.reference, c.moving), c.truth)).toBeLessThan(0.09);
  });

  it('registers a 64x256x256 volume brick by brick as accurately as whole (within 0.02 px)', () => {
    const c = caseOf('em-64x256x256-circular-clean');
    const whole = phaseCrossCorrelation(c.reference, c.moving, { upsampleFactor: 100 }).shift;
    const bricks = runPair(c.reference, c.moving);
    expect(errorOf(bricks, c.truth)).toBeLessThan(Math.max(0.02, errorOf(whole, c.truth)) + 0.02);
  }, 60_000);
});

describe('metdb run on a folder', () => {
  let dir: string;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the shift of the in-process pipeline of the bench, within 1 px on the 512² cell with 20 % noise', async () => {
    const c = caseOf('cell-512-crop-gauss20');
    dir = mkdtempSync(join(tmpdir(), 'metdb-accuracy-'));
    const folder = join(dir, 'pair');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a_reference.tif'), encodeTiff(c.reference));
    writeFileSync(join(folder, 'b_moving.tif'), encodeTiff(c.moving));
    const summary = await runFolder(folder, {
      workers: 1,
      average: false,
      registeredImages: false,
      out: join(dir, 'out'),
      cwd: dir,
    });
    const shift = summary.results.find((r) => r.file === 'b_moving.tif')?.shift;
    expect(shift).toBeDefined();
    const inProcess = runPair(c.reference, c.moving);
    shift!.forEach((s, k) => expect(s).toBeCloseTo(inProcess[k]!, 6));
    expect(errorOf(shift!, c.truth)).toBeLessThan(1);
  }, 120_000);
});
