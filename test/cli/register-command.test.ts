import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cornerErrors, matrixPair, similarityPair } from '../../bench/similarity-pair.js';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import type { Matrix3 } from '../../shared/registration/similarity/transform-matrix.js';
import { runMetdb } from '../support/run-metdb.js';

const root = new URL('../../', import.meta.url).pathname;
const images = join(root, 'test/fixtures/images');

/** Runs the real CLI entry point (TypeScript through tsx, so no build is needed). */
const metdb = (...args: string[]) => runMetdb(args);

describe('metdb register', () => {
  it('--model similarity prints the matrix, angle and scale of a rotated and scaled pair', async () => {
    const source = (await readImageFile(join(root, 'test/fixtures/similarity/bbbc022.png'))).array;
    const truth = { angle: -37.5, scale: 1.12, shift: [4.5, -6.25] as const };
    const pair = similarityPair(source, truth, 0.02, 21);
    const dir = mkdtempSync(join(tmpdir(), 'metdb-cli-'));
    writeFileSync(join(dir, 'reference.tif'), encodeTiff(pair.reference));
    writeFileSync(join(dir, 'moving.tif'), encodeTiff(pair.moving));
    const r = metdb(
      'register',
      join(dir, 'reference.tif'),
      join(dir, 'moving.tif'),
      '--model',
      'similarity',
      '--json',
    );
    expect(r.stderr).toBe('');
    const result = JSON.parse(r.stdout) as {
      model: string;
      matrix: Matrix3;
      angle: number;
      scale: number;
      quality: string;
    };
    expect(result.model).toBe('similarity');
    expect(result.quality).toBe('good');
    expect(r.code).toBe(0);
    expect(result.angle).toBeCloseTo(truth.angle, 1);
    expect(result.scale).toBeCloseTo(truth.scale, 3);
    expect(cornerErrors(result.matrix, pair.matrix, source.shape).max).toBeLessThan(0.5);
    const bad = metdb(
      'register',
      join(dir, 'reference.tif'),
      join(dir, 'moving.tif'),
      '--model',
      'homography',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--model must be translation, rigid, similarity, affine, xscale-shift/);
  });

  it('--model affine and regularized-affine print the matrix fitted to the tile shifts, with the evidence', async () => {
    const source = (await readImageFile(join(root, 'test/fixtures/similarity/bbbc022.png'))).array;
    const truth: Matrix3 = [
      [0.994, 0.005, -7.5],
      [-0.003, 1.006, 3.25],
      [0, 0, 1],
    ];
    const pair = matrixPair(source, truth, 0.03, 4);
    const dir = mkdtempSync(join(tmpdir(), 'metdb-cli-'));
    writeFileSync(join(dir, 'reference.tif'), encodeTiff(pair.reference));
    writeFileSync(join(dir, 'moving.tif'), encodeTiff(pair.moving));
    const files = [join(dir, 'reference.tif'), join(dir, 'moving.tif')];
    const r = metdb('register', ...files, '--model', 'affine', '--tile', '128', '--json');
    expect(r.stderr).toBe('');
    const result = JSON.parse(r.stdout) as { model: string; matrix: Matrix3; flagged: null; inliers: number };
    expect(result).toMatchObject({ model: 'affine', flagged: null });
    expect(result.inliers).toBeGreaterThanOrEqual(6);
    expect(cornerErrors(result.matrix, truth, source.shape).mean).toBeLessThan(0.3);
    const stiff = metdb(
      'register',
      ...files,
      '--model',
      'regularized-affine',
      '--lambda',
      '1e6',
      '--tile',
      '128',
      '--json',
    );
    const m = (JSON.parse(stiff.stdout) as { matrix: Matrix3; lambda: number }).matrix;
    expect(Math.hypot(m[0][0] - 1, m[0][1], m[1][0], m[1][1] - 1)).toBeLessThan(1e-5);
    expect(metdb('register', ...files, '--model', 'affine', '--lambda', '-1').code).toBe(2);
  });

  it('--model rigid judges a pair of unrelated real images failed (exit code 1), with the reason', async () => {
    // The cell's phase image against the camera: the rigid search finds some rotation, whose NCC
    // and peak do not stand above what the camera's mirror images reach.
    const dir = mkdtempSync(join(tmpdir(), 'metdb-cli-'));
    for (const [name, file] of [
      ['reference.tif', 'cell.png'],
      ['moving.tif', 'camera.png'],
    ] as const) {
      const image = await readImageFile(join(root, 'test/fixtures/similarity', file));
      writeFileSync(join(dir, name), encodeTiff(image.array));
    }
    const r = metdb('register', join(dir, 'reference.tif'), join(dir, 'moving.tif'), '--model', 'rigid');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^quality failed \((ncc|peak)-at-chance: /m);
  });

  it('prints the shift of the bundled sample pair as JSON', () => {
    const r = metdb(
      'register',
      'samples/u2os/reference.tif',
      'samples/u2os/moving.tif',
      '--upsample',
      '20',
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { shift: number[]; error: number; phasediff: number };
    const truth = JSON.parse(
      spawnSync('cat', [join(root, 'samples/u2os/truth.json')], { encoding: 'utf8' }).stdout,
    ) as {
      shift: number[];
    };
    result.shift.forEach((s, a) => expect(Math.abs(s - truth.shift[a]!)).toBeLessThanOrEqual(0.05 + 1e-9));
    expect(Object.keys(result).sort()).toEqual([
      'error',
      'matrix',
      'model',
      'nccAfter',
      'nccChance',
      'phasediff',
      'quality',
      'qualityReasons',
      'shift',
      'skimageError',
    ]);
    // The error is the real one, sqrt(1 - NCC²) over the overlap: small for a good pair, not
    // scikit-image's figure, which upsampling leaves at about 1 (scikit-image issue 7078).
    const evidence = result as unknown as { quality: string; nccAfter: number; nccChance: number };
    expect(result.error).toBeCloseTo(Math.sqrt(1 - evidence.nccAfter ** 2), 9);
    expect(result.error).toBeLessThan(0.5);
    expect(evidence.quality).toBe('good');
    expect(evidence.nccAfter).toBeGreaterThan(evidence.nccChance);
    // every result carries its matrix: a translation's is [[1, 0, shift_x], [0, 1, shift_y], [0, 0, 1]]
    const { matrix } = result as unknown as { matrix: number[][] };
    expect(matrix).toEqual([
      [1, 0, result.shift[1]],
      [0, 1, result.shift[0]],
      [0, 0, 1],
    ]);
  });

  it('prints a readable line without --json, 3D stacks included', () => {
    const r = metdb('register', join(images, 'blobs3d_skeleton.tif'), join(images, 'blobs3d_skeleton.tif'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^shift z=0\.000 y=0\.000 x=0\.000 px/);
  });

  it('names a corrupt file and exits non-zero without a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'metdb-cli-'));
    const bad = join(dir, 'notes.tif');
    writeFileSync(bad, 'this is a text file, not a TIFF');
    const r = metdb('register', bad, join(images, 'cell.png'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(bad);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects mismatched shapes with a clear message', () => {
    const r = metdb('register', join(images, 'cell.png'), join(images, 'camera_crop.jpg'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/same shape/);
  });

  it('reports bad usage with exit code 2', () => {
    expect(metdb('register', 'only-one.tif').code).toBe(2);
    expect(metdb('register', 'a.tif', 'b.tif', '--upsample', '0').code).toBe(2);
    expect(metdb('register', 'a.tif', 'b.tif', '--normalization', 'weird').code).toBe(2);
    expect(metdb('frobnicate').code).toBe(2);
  });
});
