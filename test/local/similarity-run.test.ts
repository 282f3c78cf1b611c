import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cornerErrors, similarityPair } from '../../bench/similarity-pair.js';
import { runFolder, type RunSummary } from '../../local/run-folder.js';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import type { Matrix3 } from '../../shared/registration/similarity/transform-matrix.js';

// A dataset whose metdb.json asks for the similarity model: the reference and two moving images
// made from the real camera image with known rotations and scales (2 % noise, content entering and
// leaving at the borders). The whole pipeline runs: plan (Fourier-Mellin on the whole image),
// tiles measured through the planned transform, the least-squares fit at aggregation, the quality
// verdict, outputs. A fourth image, the cell's phase image, is unrelated to the others.
const truths = {
  'b_moving.tif': { angle: 23.5, scale: 1.08, shift: [5.5, -7.25] as const },
  'c_moving.tif': { angle: -151, scale: 0.9, shift: [-3, 4] as const },
};
let parent: string;
let summary: RunSummary;
const matrices = new Map<string, Matrix3>();

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'metdb-similarity-'));
  const folder = join(parent, 'rotated');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(folder);
  const camera = (await readImageFile(new URL('../fixtures/similarity/camera.png', import.meta.url).pathname))
    .array;
  for (const [file, truth] of Object.entries(truths)) {
    const pair = similarityPair(camera, truth, 0.02, file.length);
    matrices.set(file, pair.matrix);
    writeFileSync(join(folder, file), encodeTiff(pair.moving));
    if (!existsSync(join(folder, 'a_reference.tif')))
      writeFileSync(join(folder, 'a_reference.tif'), encodeTiff(pair.reference));
  }
  const cell = await readImageFile(new URL('../fixtures/similarity/cell.png', import.meta.url).pathname);
  writeFileSync(join(folder, 'd_unrelated.tif'), encodeTiff(cell.array));
  writeFileSync(
    join(folder, 'metdb.json'),
    JSON.stringify({ model: 'similarity', reference: 'a_reference.tif' }),
  );
  summary = await runFolder(folder, { workers: 1, out: join(parent, 'out'), average: 'full' });
}, 240_000);
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('metdb run with "model": "similarity"', () => {
  it("writes each image's matrix, angle and scale to shifts.json, within 0.5 px at the corners", () => {
    const json = JSON.parse(readFileSync(summary.outputs.shiftsJson, 'utf8')) as {
      images: {
        file: string;
        role: string;
        model: string;
        matrix: Matrix3;
        angle: number;
        scale: number;
        quality: string;
        qualityReasons: string[];
        nccChance: number;
      }[];
    };
    for (const [file, truth] of Object.entries(truths)) {
      const image = json.images.find((i) => i.file === file)!;
      expect(image.role).toBe('registered');
      expect(image.quality, image.qualityReasons.join('; ')).toBe('good');
      expect(image.model).toBe('similarity');
      expect(image.angle).toBeCloseTo(truth.angle, 1);
      expect(image.scale).toBeCloseTo(truth.scale, 2);
      const e = cornerErrors(image.matrix, matrices.get(file)!, [512, 512]);
      expect(e.max, file).toBeLessThan(0.5);
    }
    const unrelated = json.images.find((i) => i.file === 'd_unrelated.tif')!;
    expect(unrelated.quality).toBe('failed');
    expect(unrelated.role).toBe('failed');
    expect(unrelated.qualityReasons.join('; ')).toMatch(/(ncc|peak)-at-chance: /);
    expect(summary.registered).toBe(3); // the reference and the two moving images
    const reference = json.images.find((i) => i.file === 'a_reference.tif')!;
    expect(reference.matrix).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
  });

  it('puts the matrix in shifts.csv and writes registered images resampled through it', () => {
    const [header, ...lines] = readFileSync(summary.outputs.shiftsCsv, 'utf8').trim().split('\n');
    expect(header!.split(',').slice(-4)).toEqual(['model', 'angle_deg', 'scale', 'matrix']);
    expect(lines.find((l) => l.includes('b_moving.tif'))).toMatch(/similarity,23\.\d+,1\.08/);
    expect(summary.outputs.registered.some((p) => p.includes('b_moving'))).toBe(true);
    expect(summary.outputs.registered.some((p) => p.includes('d_unrelated'))).toBe(false);
    // the stacked average places the frames by their matrices
    expect(summary.outputs.average).not.toBeNull();
    expect(existsSync(summary.outputs.average!)).toBe(true);
  });
});
