import type { NdArray } from '../ndarray/ndarray.js';
import { encodeMrc } from './encode-mrc.js';
import { encodeTiff } from './encode-tiff.js';
import { imagejDescription, imagejResolution } from './imagej-description.js';
import { toMicrometres, type PixelSize } from './pixel-size.js';

export interface EncodeAlignedStackOptions {
  /** One MRC (voxel size in ångström, one label) or one multi-page TIFF (an ImageJ stack). */
  format: 'mrc' | 'tiff';
  /** The written stack's voxel size (z the section spacing), or null when unknown. */
  pixelSize: PixelSize | null;
  /** The MRC's label (cut to 80 characters); unused for TIFF. */
  label: string;
}

/**
 * An aligned stack of sections (z, y, x) as one file: MRC with its voxel size and a label, or an
 * ImageJ multi-page TIFF with `unit=`, `spacing=` and the resolution tags. What `metdb align` and
 * the pipeline's stacks of sections write.
 */
export function encodeAlignedStack(stack: NdArray, options: EncodeAlignedStackOptions): Uint8Array {
  const { pixelSize: size } = options;
  if (options.format === 'tiff') {
    return encodeTiff(stack, {
      description: imagejDescription(1, stack.shape[0]!, size),
      resolution: imagejResolution(size),
    });
  }
  const angstrom = (v: number | null) =>
    v === null || size === null ? 0 : toMicrometres(v, size.unit) * 1e4;
  return encodeMrc(stack, {
    ...(size !== null && { voxelSize: { x: angstrom(size.x), y: angstrom(size.y), z: angstrom(size.z) } }),
    labels: [options.label.slice(0, 80)],
  });
}
