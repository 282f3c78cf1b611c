import { MetdbError } from '../errors/metdb-error.js';
import { isPlaneOrVolume, pixelTypeOf, type NdArray } from '../ndarray/ndarray.js';
import { halfToFloat } from './decode-mrc.js';
import { halfFromFloat32Bits } from './float-to-half.js';

/** The MRC modes Met-db writes: 0 int8, 1 int16, 2 float32, 6 uint16, 12 float16. */
export type MrcMode = 0 | 1 | 2 | 6 | 12;

export interface EncodeMrcOptions {
  /**
   * Storage mode. Integer modes take integer values in their range (else `invalid-argument`).
   * @default 6 for uint8 (widened to 16 bits, as mrcfile does) and uint16, 2 for float32 and float64
   */
  readonly mode?: MrcMode;
  /** Voxel size in ångströms along x, y and z (z ignored for a 2D image). @default none: cell 0 */
  readonly voxelSize?: { readonly x: number; readonly y: number; readonly z?: number | null };
  /** Text labels, at most 10 of at most 80 printable ASCII characters. @default ['Created by Met-db'] */
  readonly labels?: readonly string[];
  /**
   * A 3D array as a 'volume' (space group 1, MZ = NZ, so the z voxel size is kept) or an image
   * 'stack' (space group 0, MZ = 1), as mrcfile's `set_volume` / `set_image_stack`.
   * @default 'volume'
   */
  readonly kind?: 'volume' | 'stack';
}

const BYTES: Readonly<Record<MrcMode, number>> = { 0: 1, 1: 2, 2: 4, 6: 2, 12: 2 };
const RANGE: Readonly<Partial<Record<MrcMode, readonly [number, number]>>> = {
  0: [-128, 127],
  1: [-32768, 32767],
  6: [0, 65535],
};

/**
 * Writes an array as an MRC2014 file (https://www.ccpem.ac.uk/mrc_format/mrc2014.php) that
 * mrcfile reads and validates: little endian, no extended header, axes x, y, z as columns, rows,
 * sections; shape [y, x] as one section, [z, y, x] as z sections. The header carries the data
 * statistics (DMIN, DMAX, DMEAN, RMS of the stored values), the voxel size as the cell (CELLA =
 * size x samples), version 20141 and the labels. `decodeImage` reads it back (modes 0, 1 and 12 as
 * float32, 6 as uint16).
 *
 * @throws MetdbError `invalid-argument`: rank other than 2 or 3, a value the mode cannot store,
 *   a bad label or voxel size
 */
export function encodeMrc(array: NdArray, options: EncodeMrcOptions = {}): Uint8Array {
  const { shape, data } = array;
  if (!isPlaneOrVolume(array)) {
    throw new MetdbError(
      'invalid-argument',
      `encodeMrc: needs a 2D or 3D array, got shape [${shape.join(', ')}]`,
    );
  }
  const pixelType = pixelTypeOf(data);
  const mode = options.mode ?? (pixelType === 'uint8' || pixelType === 'uint16' ? 6 : 2);
  if (!(mode in BYTES))
    throw new MetdbError('invalid-argument', `encodeMrc: mode ${String(mode)} is not one of 0, 1, 2, 6, 12`);
  const labels = options.labels ?? ['Created by Met-db'];
  checkLabels(labels);
  const [nz, ny, nx] = shape.length === 3 ? (shape as [number, number, number]) : [1, shape[0]!, shape[1]!];
  const volume = shape.length === 3 && (options.kind ?? 'volume') === 'volume';
  const n = data.length;
  const bytes = new Uint8Array(1024 + n * BYTES[mode]);
  const view = new DataView(bytes.buffer);
  const stats = writeVoxels(view, data, mode);

  const int = (offset: number, value: number) => view.setInt32(offset, value, true);
  const float = (offset: number, value: number) => view.setFloat32(offset, value, true);
  [nx, ny, nz, mode].forEach((v, i) => int(4 * i, v));
  const mz = volume ? nz : 1;
  [nx, ny, mz].forEach((v, i) => int(28 + 4 * i, v));
  const voxel = options.voxelSize;
  if (voxel !== undefined) {
    const sizes = [voxel.x, voxel.y, shape.length === 3 ? (voxel.z ?? 0) : 0];
    if (sizes.some((s) => !Number.isFinite(s) || s < 0)) {
      throw new MetdbError(
        'invalid-argument',
        `encodeMrc: voxel size must be finite and >= 0, got [${sizes.join(', ')}]`,
      );
    }
    [nx, ny, mz].forEach((m, i) => float(40 + 4 * i, sizes[i]! * m));
  }
  [90, 90, 90].forEach((v, i) => float(52 + 4 * i, v));
  [1, 2, 3].forEach((v, i) => int(64 + 4 * i, v));
  float(76, stats.min);
  float(80, stats.max);
  float(84, stats.mean);
  int(88, volume ? 1 : 0);
  int(108, 20141);
  bytes.set([0x4d, 0x41, 0x50, 0x20], 208); // "MAP "
  bytes.set([0x44, 0x44, 0, 0], 212); // little endian
  float(216, stats.rms);
  int(220, labels.length);
  labels.forEach((label, i) => {
    const padded = label.padEnd(80, ' ');
    for (let k = 0; k < 80; k++) bytes[224 + 80 * i + k] = padded.charCodeAt(k);
  });
  return bytes;
}

/** Stores every value in the mode and returns the statistics of the stored values. */
function writeVoxels(view: DataView, data: NdArray['data'], mode: MrcMode) {
  const range = RANGE[mode];
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sum2 = 0;
  let pivot = 0;
  for (let i = 0; i < data.length; i++) {
    let v = data[i]!;
    const offset = 1024 + i * BYTES[mode];
    if (range !== undefined) {
      v = Math.round(v);
      if (!(v >= range[0] && v <= range[1])) {
        throw new MetdbError(
          'invalid-argument',
          `encodeMrc: value ${data[i]} at index ${i} does not fit MRC mode ${mode} (${range[0]}..${range[1]})`,
        );
      }
      if (mode === 0) view.setInt8(offset, v);
      else if (mode === 1) view.setInt16(offset, v, true);
      else view.setUint16(offset, v, true);
    } else if (mode === 2) {
      v = Math.fround(v);
      view.setFloat32(offset, v, true);
    } else {
      f32[0] = v;
      const half = halfFromFloat32Bits(u32[0]!);
      view.setUint16(offset, half, true);
      v = halfToFloat(half);
    }
    if (v < min) min = v;
    if (v > max) max = v;
    // Sums about the first stored value: no cancellation for data far from 0.
    if (i === 0) pivot = v;
    sum += v - pivot;
    sum2 += (v - pivot) * (v - pivot);
  }
  const shifted = sum / data.length;
  const mean = pivot + shifted;
  const rms = Math.sqrt(Math.max(0, sum2 / data.length - shifted * shifted));
  return { min, max, mean, rms };
}

function checkLabels(labels: readonly string[]): void {
  if (labels.length > 10)
    throw new MetdbError('invalid-argument', `encodeMrc: at most 10 labels, got ${labels.length}`);
  for (const label of labels) {
    if (label.length > 80 || !/^[\x20-\x7e]*$/.test(label) || label.trim() === '') {
      throw new MetdbError(
        'invalid-argument',
        `encodeMrc: a label must be 1-80 printable ASCII characters, got "${label}"`,
      );
    }
  }
}
