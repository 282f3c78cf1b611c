import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cornerErrors, matrixPair } from '../../bench/similarity-pair.js';
import { runFolder, type RunSummary } from '../../local/run-folder.js';
import { normalizedCrossCorrelation } from '../../shared/aggregation/ncc.js';
import { encodeMrc } from '../../shared/imaging/encode-mrc.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { ndarray, type NdArray } from '../../shared/ndarray/ndarray.js';
import type { Matrix3 } from '../../shared/registration/similarity/transform-matrix.js';

// A FIB-SEM-like pair as MRC files with an 8 nm voxel: the moving section is the real camera
// image through a known affine (0.6 % scale, 0.4 % shear, a shift), 3 % noise. metdb.json asks for
// the regularised affine; the registered image must come back as MRC with the voxel size.
const truth: Matrix3 = [
  [1.006, 0.004, -6.5],
  [-0.002, 0.997, 4.25],
  [0, 0, 1],
];
let parent: string;
let summary: RunSummary;
let reference: NdArray;

const asUint16 = (a: NdArray) =>
  ndarray(
    Uint16Array.from(a.data, (v) => Math.max(0, Math.round(v * 100))),
    a.shape,
  );

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'metdb-affine-'));
  const folder = join(parent, 'sections');
  mkdirSync(folder);
  const camera = (await readImageFile(new URL('../fixtures/similarity/camera.png', import.meta.url).pathname))
    .array;
  const pair = matrixPair(camera, truth, 0.03, 7);
  reference = asUint16(pair.reference);
  const voxelSize = { x: 80, y: 80, z: 80 }; // ångström
  writeFileSync(join(folder, 'a_reference.mrc'), encodeMrc(reference, { voxelSize }));
  writeFileSync(join(folder, 'b_moving.mrc'), encodeMrc(asUint16(pair.moving), { voxelSize }));
  const settings = { model: 'regularized-affine', lambda: 0.01, reference: 'a_reference.mrc', tileSize: 128 };
  writeFileSync(join(folder, 'metdb.json'), JSON.stringify(settings));
  summary = await runFolder(folder, { workers: 1, out: join(parent, 'out'), average: false });
}, 240_000);
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('metdb run with "model": "regularized-affine" on MRC sections', () => {
  it('writes the fitted matrix, within 0.3 px of the truth at the corners, to shifts.json and the csv', () => {
    const json = JSON.parse(readFileSync(summary.outputs.shiftsJson, 'utf8')) as {
      images: { file: string; role: string; model: string; matrix: Matrix3; angle: number | null }[];
    };
    const moving = json.images.find((i) => i.file === 'b_moving.mrc')!;
    expect(moving.role).toBe('registered');
    expect(moving.model).toBe('regularized-affine');
    expect(moving.angle).toBeNull();
    expect(cornerErrors(moving.matrix, truth, [512, 512]).mean).toBeLessThan(0.3);
    const csv = readFileSync(summary.outputs.shiftsCsv, 'utf8');
    expect(csv.split('\n').find((l) => l.includes('b_moving.mrc'))).toMatch(/regularized-affine/);
  });

  it('writes the registered section back as MRC with its voxel size, aligned with the reference', async () => {
    const path = summary.outputs.registered.find((p) => p.includes('b_moving'))!;
    expect(path).toMatch(/\.mrc$/);
    const registered = await readImageFile(path);
    expect(registered.info.pixelSize).toMatchObject({ x: 80, y: 80, unit: 'Å' });
    // Inside the region the moving section covers, the registered section matches the reference.
    const inner = (a: NdArray) => {
      const out = new Float64Array(400 * 400);
      for (let y = 0; y < 400; y++)
        for (let x = 0; x < 400; x++) out[y * 400 + x] = a.data[(y + 56) * 512 + x + 56]!;
      return ndarray(out, [400, 400]);
    };
    expect(normalizedCrossCorrelation(inner(reference), inner(registered.array))).toBeGreaterThan(0.95);
  });
});
