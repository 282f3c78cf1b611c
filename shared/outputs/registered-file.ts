import { encodeMrc } from '../imaging/encode-mrc.js';
import { encodeTiff } from '../imaging/encode-tiff.js';
import { toMicrometres, type PixelSize } from '../imaging/pixel-size.js';
import type { NdArray } from '../ndarray/ndarray.js';

/** File name extensions of MRC inputs (maps, tomograms, FIB-SEM and tilt stacks). */
const MRC_EXTENSIONS = ['.mrc', '.map', '.rec', '.st', '.ali', '.mrcs'];

/** True for a name with an MRC extension (the inputs `registeredFile` writes back as MRC). */
export function isMrcName(input: string): boolean {
  const lower = input.toLowerCase();
  return MRC_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/**
 * A registered image as a file in the input's family: an MRC input (by its extension) is written
 * back as MRC (float32 or uint16, as decoded) with its voxel size in ångströms; anything else as a
 * TIFF. Returns the extension to give the file and its bytes.
 */
export function registeredFile(
  input: string,
  image: NdArray<Uint8Array | Uint16Array | Float32Array>,
  pixelSize: PixelSize | null,
): { extension: '.mrc' | '.tif'; bytes: Uint8Array } {
  if (!isMrcName(input)) return { extension: '.tif', bytes: encodeTiff(image) };
  const angstrom = (v: number | null) =>
    v === null || pixelSize === null ? 0 : toMicrometres(v, pixelSize.unit) * 1e4;
  const voxelSize =
    pixelSize === null
      ? undefined
      : { x: angstrom(pixelSize.x), y: angstrom(pixelSize.y), z: angstrom(pixelSize.z) };
  return {
    extension: '.mrc',
    bytes: encodeMrc(image, { ...(voxelSize && { voxelSize }), labels: ['Registered by Met-db'] }),
  };
}
