import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NdArray } from '../shared/ndarray/ndarray.js';
import { repoRoot } from './repo-root.js';

/**
 * Real pixels for the benchmark, read from the golden fixtures' raw files (bundled in the repo):
 * the camera crop (256x256 uint8) for 2D, the cryo-ET microtubule crop (32x64x64 uint8) for 3D.
 */
export function loadBenchSource(ndim: number): NdArray<Uint8Array> {
  const dir = join(repoRoot(), 'test', 'fixtures', 'golden');
  if (ndim === 2) {
    return { data: readFileSync(join(dir, 'camera-256x256-u8-subpixel.reference.u8')), shape: [256, 256] };
  }
  return { data: readFileSync(join(dir, 'em13pf-32x64x64-u8-subpixel.reference.u8')), shape: [32, 64, 64] };
}
