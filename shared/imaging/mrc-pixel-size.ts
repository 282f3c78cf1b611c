import type { MrcHeader } from './mrc-header.js';
import { isUsablePixelSize, type PixelSize } from './pixel-size.js';

/**
 * The voxel size of an MRC file in ångströms (its cell over its sampling, `MrcHeader.voxelSize`),
 * or null when the header leaves the cell 0 (many writers do). A single section (nz = 1) is 2D:
 * z is null.
 */
export function mrcPixelSize(header: MrcHeader): PixelSize | null {
  const [x, y, z] = header.voxelSize;
  const size: PixelSize = { x, y, z: header.nz > 1 && z > 0 ? z : null, unit: 'Å' };
  return isUsablePixelSize(size) ? size : null;
}
