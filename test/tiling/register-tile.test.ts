import { describe, expect, it } from 'vitest';
import { ndarray, type NdArray } from '../../shared/ndarray/ndarray.js';
import {
  extractRegion,
  isInformative,
  planTiles,
  prepareReferenceTile,
  registerTile,
  tileSignal,
} from '../../shared/tiling/index.js';
import { loadGoldenCases } from '../golden/load-golden.js';
import { gaussian, shiftedPair, stdOf } from './pixels.js';

const cases = loadGoldenCases();
const canvas = (prefix: string): NdArray => cases.find((c) => c.id.startsWith(prefix))!.reference;

function noiseTile(shape: number[], seed: number, mean = 100, sigma = 5): NdArray<Float64Array> {
  const g = gaussian(seed);
  return ndarray(
    Float64Array.from({ length: shape.reduce((p, c) => p * c) }, () => mean + sigma * g()),
    shape,
  );
}

const distance = (a: readonly number[], b: readonly number[]): number =>
  Math.hypot(...a.map((v, k) => v - b[k]!));

describe('registerTile on real pixels', () => {
  it.each([
    ['camera-256', [1.37, -2.62], 64],
    ['bbbc022-120', [-0.83, 1.41], 48],
    ['ihc-128', [2.21, 0.68], 48],
  ] as const)('textured tiles of %s recover %j within 0.06 px at upsample 20', (id, truth, tileSize) => {
    const image = canvas(id);
    const size = image.shape.map((n) => n - 16);
    const { reference, moving } = shiftedPair(image, truth, size, 0.05 * stdOf(image), 11);
    const tiles = planTiles(size, { tileSize });
    let textured = 0;
    for (const t of tiles) {
      const r = registerTile(extractRegion(reference, t), extractRegion(moving, t), { upsampleFactor: 20 });
      if (r.skipped !== undefined || r.weight < 2) continue;
      textured++;
      // The direct refinement is not held to the 1/20 px grid: the noise alone sets the error
      // (one 48-px tile of sparse nuclei at 0.053 px, the correlation's 0.050 on the grid).
      expect(distance(r.shift, truth)).toBeLessThan(0.06);
      expect(r.quality).toBeGreaterThan(0.8);
    }
    expect(textured).toBeGreaterThanOrEqual(Math.ceil(tiles.length / 2));
  });

  it('3D bricks of an EM volume recover a 3D shift within 0.05 px', () => {
    const image = canvas('em13pf');
    const truth = [0.6, -1.33, 2.18];
    const size = [24, 56, 56];
    const { reference, moving } = shiftedPair(image, truth, size, 0.05 * stdOf(image), 12);
    for (const t of planTiles(size, { tileSize: [16, 32, 32] })) {
      const r = registerTile(extractRegion(reference, t), extractRegion(moving, t), { upsampleFactor: 20 });
      expect(r.skipped).toBeUndefined();
      expect(distance(r.shift, truth)).toBeLessThan(0.05);
    }
  });

  it('a low-texture image (cell) in heavy noise still gives usable tiles with the right shift', () => {
    const image = canvas('cell-250');
    const truth = [1.3, -2.55];
    const size = image.shape.map((n) => n - 24);
    const { reference, moving } = shiftedPair(image, truth, size, 0.2 * stdOf(image), 13);
    const results = planTiles(size, { tileSize: 64 }).map((t) =>
      registerTile(extractRegion(reference, t), extractRegion(moving, t), { upsampleFactor: 20 }),
    );
    const good = results.filter((r) => r.weight > 1);
    expect(good.length).toBeGreaterThan(results.length / 2);
    for (const r of good) expect(distance(r.shift, truth)).toBeLessThan(0.25);
  });

  it('skips only the quality NCC (and the error from it) when asked: the same shift, peak ratio and weight', () => {
    const image = canvas('camera-256');
    const { reference, moving } = shiftedPair(image, [3.3, -1.7], [200, 200], 0.05 * stdOf(image), 14);
    const region = { start: [40, 40], size: [64, 64] };
    const both = [extractRegion(reference, region), extractRegion(moving, region)] as const;
    const full = registerTile(...both, { upsampleFactor: 20 });
    const lean = registerTile(...both, { upsampleFactor: 20, quality: false });
    expect(full.quality).toBeGreaterThan(0.9);
    expect(lean.quality).toBeNaN();
    // The error is sqrt(1 - NCC²): without the NCC there is none.
    expect(full.error).toBeCloseTo(Math.sqrt(1 - full.quality ** 2), 12);
    expect(lean.error).toBeNaN();
    expect({ ...lean, quality: 0, error: 0 }).toEqual({ ...full, quality: 0, error: 0 });
  });

  it('the quality figures are high for a real match and low for noise', () => {
    const image = canvas('camera-256');
    const { reference, moving } = shiftedPair(image, [3.3, -1.7], [200, 200], 0.05 * stdOf(image), 14);
    const region = { start: [40, 40], size: [64, 64] };
    const match = registerTile(extractRegion(reference, region), extractRegion(moving, region), {
      upsampleFactor: 20,
    });
    expect(match.peakRatio).toBeGreaterThan(20);
    expect(match.quality).toBeGreaterThan(0.9);
    expect(match.weight).toBeGreaterThan(4);

    for (const seed of [1, 2, 3, 4, 5]) {
      const noise = registerTile(noiseTile([64, 64], seed), noiseTile([64, 64], seed + 100), {
        upsampleFactor: 20,
        minSignal: 0,
      });
      expect(noise.peakRatio).toBeLessThan(6);
      expect(Math.abs(noise.quality)).toBeLessThan(0.15);
      expect(noise.weight).toBeLessThan(0.5);
    }
    // Unrelated real content (two different places of the image) is no match either.
    const elsewhere = registerTile(
      extractRegion(reference, region),
      extractRegion(moving, { start: [130, 120], size: [64, 64] }),
      { upsampleFactor: 20 },
    );
    expect(elsewhere.peakRatio).toBeLessThan(8);
    expect(elsewhere.weight).toBeLessThan(1);
  });

  it('skips flat tiles (pure noise, constant) before correlating, by default', () => {
    const flat = registerTile(noiseTile([64, 64], 7), noiseTile([64, 64], 8));
    expect(flat.skipped).toBe('low-signal');
    expect(flat.weight).toBe(0);
    const constant = ndarray(new Uint16Array(32 * 32).fill(500), [32, 32]);
    expect(registerTile(constant, constant).skipped).toBe('low-signal');
  });

  it('the window suppresses the false zero-shift peak of content crossing the tile border', () => {
    // A gradient across the tile (uneven illumination), the same in both tiles, jumps at the
    // periodic borders: with plain cross-correlation and no window it pulls the peak to zero.
    const image = canvas('camera-256');
    const truth = [4.4, -3.6];
    const { reference, moving } = shiftedPair(image, truth, [200, 200], 0.05 * stdOf(image), 15);
    const ramp = (tile: NdArray): NdArray<Float64Array> =>
      ndarray(
        Float64Array.from(tile.data, (v, i) => v + 3 * (i % 64) + 2 * Math.floor(i / 64)),
        tile.shape,
      );
    for (const start of [
      [60, 60],
      [10, 120],
      [130, 20],
    ]) {
      const region = { start, size: [64, 64] };
      const a = ramp(extractRegion(reference, region));
      const b = ramp(extractRegion(moving, region));
      const run = (window: 'hann' | 'none', normalization: 'phase' | 'none') =>
        registerTile(a, b, { upsampleFactor: 20, normalization, window });
      expect(distance(run('none', 'none').shift, truth)).toBeGreaterThan(1);
      expect(distance(run('hann', 'none').shift, truth)).toBeLessThan(0.35);
      expect(distance(registerTile(a, b, { upsampleFactor: 20 }).shift, truth)).toBeLessThan(0.05);
    }
  });

  it('reports shifts in tile pixels when preprocessing bins', () => {
    const image = canvas('camera-256');
    const truth = [2.4, -3.2];
    const { reference, moving } = shiftedPair(image, truth, [128, 128], 0.02 * stdOf(image), 16);
    const r = registerTile(reference, moving, { upsampleFactor: 20, preprocess: { bin: { factor: 2 } } });
    // Binned by 2, the correlation is 0.05 binned px = 0.1 px fine, and binning a sharp image
    // aliases: within 0.3 px shows the factor is applied (unscaled, the error would be 2 px).
    expect(distance(r.shift, truth)).toBeLessThan(0.3);
    expect(() => registerTile(reference, moving, { preprocess: { window: 'hann' } })).toThrow(/not both/);
    expect(() => registerTile(reference, ndarray(new Float64Array(4), [2, 2]))).toThrow(
      expect.objectContaining({ code: 'shape-mismatch' }),
    );
  });
});

describe('registerTile reuses its buffers from tile to tile', () => {
  it('gives each tile the result it gets alone, whatever was registered before, prepared or not', () => {
    const image = canvas('camera-256');
    const size = image.shape.map((n) => n - 16);
    const { reference, moving } = shiftedPair(image, [1.37, -2.62], size, 0.05 * stdOf(image), 5);
    const tiles = planTiles(size, { tileSize: 64 }).map((t) => ({
      reference: extractRegion(reference, t),
      moving: extractRegion(moving, t),
    }));
    const params = { upsampleFactor: 20 };
    // Alone: each tile first in a fresh order of calls; then all prepared once, in reverse order.
    const alone = tiles.map((t) => registerTile(t.reference, t.moving, params));
    const prepared = tiles.map((t) => prepareReferenceTile(t.reference, params));
    const again = tiles
      .map((t, i) => registerTile(prepared[i]!, t.moving, params))
      .map((r, i) => ({ r, i }))
      .reverse()
      .map(({ i }) => registerTile(prepared[i]!, tiles[i]!.moving, params))
      .reverse();
    expect(again).toEqual(alone);
    expect(alone.filter((r) => r.skipped === undefined).length).toBeGreaterThan(tiles.length / 2);
  });

  it('tileSignal gives the same figures before and after other tiles', () => {
    const a = extractRegion(canvas('camera-256'), { start: [0, 0], size: [64, 64] });
    const b = noiseTile([128, 128], 3);
    const first = tileSignal(a);
    tileSignal(b);
    expect(tileSignal(a)).toEqual(first);
  });
});

describe('tileSignal', () => {
  it('scores pure noise and constant tiles about 0, so they are flagged', () => {
    for (const shape of [
      [32, 32],
      [64, 64],
      [16, 24, 24],
    ]) {
      for (const seed of [1, 2, 3]) {
        const measured = tileSignal(noiseTile(shape, seed));
        expect(measured.signal).toBeLessThan(0.05);
        expect(measured.noise).toBeCloseTo(5, 0);
        expect(isInformative(measured)).toBe(false);
      }
    }
    const g = gaussian(9);
    const quantised = ndarray(
      Uint16Array.from({ length: 4096 }, () => Math.round(300 + 2 * g())),
      [64, 64],
    );
    expect(isInformative(quantised)).toBe(false);
    expect(tileSignal(ndarray(new Uint8Array(100).fill(7), [10, 10])).signal).toBe(0);
  });

  it('scores real structure far above the threshold, whatever the intensity scale', () => {
    const camera = canvas('camera-256');
    const tile = extractRegion(camera, { start: [40, 40], size: [64, 64] });
    const measured = tileSignal(tile);
    expect(measured.signal).toBeGreaterThan(20);
    expect(isInformative(tile)).toBe(true);
    const scaled = ndarray(
      Float64Array.from(tile.data, (v) => 1000 + 37 * v),
      tile.shape,
    );
    expect(tileSignal(scaled).signal).toBeCloseTo(measured.signal, 6);
    // Pixel-scale EM texture is kept too.
    expect(isInformative(extractRegion(canvas('em13pf'), { start: [0, 0, 0], size: [16, 32, 32] }))).toBe(
      true,
    );
  });

  it('rejects empty and non-finite tiles', () => {
    expect(() => tileSignal(ndarray(new Float64Array(0), [0, 4]))).toThrow(
      expect.objectContaining({ code: 'empty-array' }),
    );
    expect(() => tileSignal(ndarray(Float64Array.from([1, Number.NaN, 2, 3]), [2, 2]))).toThrow(
      expect.objectContaining({ code: 'non-finite' }),
    );
  });
});
