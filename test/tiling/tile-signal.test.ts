/**
 * `tileSignal` counts integer samples in histograms instead of selecting order statistics: the
 * figures must be those of the selection (`referenceTileSignal`, the first version): the noise
 * to the last bit, the standard deviation (summed by value, not by pixel) within 1e-12, on
 * every kind of tile: integer pixels of any range (differences up to ±65535, medians on halves),
 * few distinct values, constant tiles, float pixels (still by selection), 2D and 3D, tiles large
 * enough to be sampled with a stride, and real microscopy tiles.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../shared/imaging/decode-image.js';
import type { NdArray } from '../../shared/ndarray/ndarray.js';
import { extractRegion } from '../../shared/tiling/extract-region.js';
import { planTiles } from '../../shared/tiling/plan-tiles.js';
import { tileSignal, type TileSignal } from '../../shared/tiling/tile-signal.js';
import { gaussian } from './pixels.js';
import { referenceTileSignal } from './reference-tile-signal.js';

/** The figures agree: the noise exactly, std and signal within 1e-12 (of 1 + signal for the signal). */
function expectSameSignal(actual: TileSignal, expected: TileSignal): void {
  expect(actual.noise).toBe(expected.noise);
  expect(Math.abs(actual.std - expected.std)).toBeLessThanOrEqual(1e-12 * expected.std);
  expect(Math.abs(actual.signal - expected.signal)).toBeLessThanOrEqual(1e-12 * (1 + expected.signal));
}

function tile<T extends NdArray['data']>(data: T, shape: number[]): NdArray<T> {
  return { data, shape };
}

function randomTile(seed: number, shape: number[], kind: 'uint8' | 'uint16' | 'float32', spread: number) {
  const g = gaussian(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const base = kind === 'uint8' ? 100 : 30000;
  const values = Array.from({ length: n }, (_, i) => base + spread * g() + (i % 7 === 0 ? spread * 3 : 0));
  if (kind === 'float32') return tile(Float32Array.from(values), shape);
  const max = kind === 'uint8' ? 255 : 65535;
  const clamped = values.map((v) => Math.min(max, Math.max(0, Math.round(v))));
  return tile(kind === 'uint8' ? Uint8Array.from(clamped) : Uint16Array.from(clamped), shape);
}

describe('tileSignal by histograms', () => {
  it('gives exactly the figures of the selection on synthetic tiles', () => {
    const shapes = [
      [128, 128],
      [64, 96],
      [2, 2],
      [1, 50],
      [16, 16, 16],
      [200, 200],
    ];
    for (const [s, shape] of shapes.entries()) {
      for (const kind of ['uint8', 'uint16', 'float32'] as const) {
        for (const spread of [0.4, 3, 40, 900, 40000]) {
          const t = randomTile(1000 * s + spread, shape, kind, spread);
          expectSameSignal(tileSignal(t), referenceTileSignal(t));
        }
      }
    }
  });

  it('on constant, two-valued and extreme tiles', () => {
    const cases = [
      tile(new Uint16Array(256).fill(7), [16, 16]),
      tile(
        Uint16Array.from({ length: 256 }, (_, i) => (i % 2 === 0 ? 0 : 65535)),
        [16, 16],
      ),
      tile(
        Uint16Array.from({ length: 256 }, (_, i) => (i < 128 ? 0 : 65535)),
        [16, 16],
      ),
      tile(
        Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) % 256),
        [25, 40],
      ),
      tile(
        Uint16Array.from({ length: 4096 }, (_, i) => (i % 64 < 31 ? 100 : 101)),
        [64, 64],
      ),
    ];
    for (const t of cases) expectSameSignal(tileSignal(t), referenceTileSignal(t));
  });

  it('on every tile of real microscopy frames', async () => {
    for (const file of ['test/fixtures/series/frame_00.tif', 'test/fixtures/series/frame_03.tif']) {
      const image = (await decodeImage(readFileSync(file))).array;
      for (const region of planTiles(image.shape, { tileSize: 64, overlap: 0.25 })) {
        const t = extractRegion(image, region);
        expectSameSignal(tileSignal(t), referenceTileSignal(t));
      }
    }
  });
});
