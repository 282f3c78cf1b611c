import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NdArray } from '../../shared/ndarray/ndarray.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { repoRoot } from '../repo-root.js';
import type { AccuracyCaseSpec, Border, Noise } from './accuracy-case.js';

/** The real images the cases are cut from (test/fixtures, see the README there). */
export interface AccuracySources {
  /** scikit-image's camera, 512x512 uint8: rich texture at every scale. */
  readonly camera: NdArray;
  /** scikit-image's quantitative phase image of a cell, 660x550 uint8: little texture. */
  readonly cell: NdArray;
  /** BBBC022 Cell Painting nuclei (channel 0), 384x384 uint16: sparse fluorescent blobs. */
  readonly nuclei: NdArray;
  /** Cryo-ET microtubule crop, 32x64x64 uint8 (the golden fixtures' reference). */
  readonly em: NdArray;
}

export async function loadAccuracySources(): Promise<AccuracySources> {
  const fixtures = join(repoRoot(), 'test', 'fixtures');
  const read = async (path: string) => (await readImageFile(join(fixtures, path))).array;
  return {
    camera: await read('accuracy/camera.png'),
    cell: await read('images/cell.png'),
    nuclei: await read('accuracy/bbbc022_nuclei_384.tif'),
    em: {
      data: readFileSync(join(fixtures, 'golden', 'em13pf-32x64x64-u8-subpixel.reference.u8')),
      shape: [32, 64, 64],
    },
  };
}

const NOISES: Record<string, Noise> = {
  clean: { kind: 'none' },
  gauss2: { kind: 'gaussian', fraction: 0.02 },
  gauss20: { kind: 'gaussian', fraction: 0.2 },
  poisson30: { kind: 'poisson', photons: 30 },
};

/** `source-size-border-noise`, e.g. `cell-256-crop-gauss20` or `em-64x256x256-circular-clean`. */
const CASES = [
  'camera-256-circular-clean',
  'camera-256-crop-clean',
  'camera-256-crop-gauss2',
  'camera-256-crop-gauss20',
  'camera-256-crop-poisson30',
  'cell-256-circular-clean',
  'cell-256-circular-gauss2',
  'cell-256-crop-clean',
  'cell-256-crop-gauss2',
  'cell-256-crop-gauss20',
  'cell-256-crop-poisson30',
  'nuclei-256-circular-gauss2',
  'nuclei-256-crop-clean',
  'nuclei-256-crop-gauss2',
  'nuclei-256-crop-gauss20',
  'nuclei-256-crop-poisson30',
  'camera-512-circular-gauss2',
  'camera-512-crop-gauss2',
  'cell-512-crop-gauss20',
  'nuclei-512-crop-poisson30',
  'cell-1024-crop-gauss2',
  'nuclei-1024-crop-gauss20',
  'camera-2048-crop-gauss2',
  'cell-2048-circular-gauss2',
  'cell-2048-crop-gauss20',
  'em-64x256x256-circular-clean',
  'em-64x256x256-circular-gauss2',
  'em-64x256x256-crop-gauss2',
  'em-32x128x128-crop-gauss20',
];

/**
 * The bench's cases, seeded: shifts up to 8 % of each axis (at least 2 px), drawn per case.
 * `filter` (a regular expression on the id) keeps some of them.
 */
export function accuracyCaseSpecs(sources: AccuracySources, filter?: RegExp): AccuracyCaseSpec[] {
  return CASES.filter((id) => filter === undefined || filter.test(id)).map((id) => {
    const [name, size, border, noise] = id.split('-') as [keyof AccuracySources, string, Border, string];
    const shape = size.includes('x') ? size.split('x').map(Number) : [Number(size), Number(size)];
    return {
      id,
      source: sources[name],
      shape,
      border,
      noise: NOISES[noise]!,
      maxShift: shape.map((n) => Math.max(2, 0.08 * n)),
      seed: 1000 + CASES.indexOf(id) * 7919,
    };
  });
}
