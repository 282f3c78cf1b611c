import { MetdbError } from '../errors/metdb-error.js';
import type { MrcHeader } from './mrc-header.js';
import { ndarray } from '../ndarray/ndarray.js';
import { pixelBuffer } from './pixel-buffer.js';
import type { NdArray } from '../ndarray/ndarray.js';

/**
 * Reads the voxels of an MRC file, shape (nz, ny, nx) as stored (x fastest; like mrcfile, the
 * MAPC/MAPR/MAPS axis labels are not applied), 2D (ny, nx) when nz = 1.
 * Mode 6 gives uint16; modes 0 (int8), 1 (int16), 2 (float32) and 12 (float16) give float32
 * (exact for all of them). Throws `corrupt-image` if the file is shorter than the header says.
 */
export function decodeMrc(
  bytes: Uint8Array,
  header: MrcHeader,
  shared = false,
): NdArray<Uint16Array | Float32Array> {
  const { nx, ny, nz, mode, littleEndian, dataOffset, bytesPerVoxel } = header;
  const n = nx * ny * nz;
  const needed = dataOffset + n * bytesPerVoxel;
  if (bytes.length < needed) {
    throw new MetdbError(
      'corrupt-image',
      `corrupt MRC: header says ${nx} x ${ny} x ${nz} voxels (${needed} bytes), file has ${bytes.length} bytes: truncated?`,
      {
        details: { format: 'mrc', nx, ny, nz, mode, bytes: bytes.length, needs: needed },
      },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataOffset, n * bytesPerVoxel);
  const shape = nz === 1 ? [ny, nx] : [nz, ny, nx];
  if (mode === 6) {
    const out = pixelBuffer(Uint16Array, n, shared);
    for (let i = 0; i < n; i++) out[i] = view.getUint16(2 * i, littleEndian);
    return ndarray(out, shape);
  }
  const out = pixelBuffer(Float32Array, n, shared);
  if (mode === 0) for (let i = 0; i < n; i++) out[i] = view.getInt8(i);
  else if (mode === 1) for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, littleEndian);
  else if (mode === 2) for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, littleEndian);
  else for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, littleEndian));
  return ndarray(out, shape);
}

/** IEEE 754 binary16 bits to a number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
