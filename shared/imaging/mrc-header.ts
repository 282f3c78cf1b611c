import { MetdbError } from '../errors/metdb-error.js';

/** The fields of an MRC2014 header that decoding needs. */
export interface MrcHeader {
  /** Columns (x), rows (y), sections (z). */
  readonly nx: number;
  readonly ny: number;
  readonly nz: number;
  /** 0 int8, 1 int16, 2 float32, 6 uint16, 12 float16 (the modes we read). */
  readonly mode: number;
  /** Bytes of extended header after the 1024-byte main header. */
  readonly nsymbt: number;
  readonly littleEndian: boolean;
  /** Byte offset of the first voxel (1024 + nsymbt). */
  readonly dataOffset: number;
  /** Bytes per stored voxel. */
  readonly bytesPerVoxel: number;
  /**
   * Voxel size along x, y, z in ångströms: the cell dimensions (CELLA, bytes 40-51) over the
   * sampling (MX, MY, MZ, bytes 28-39), as mrcfile's `voxel_size`; 0 where the header leaves them 0.
   */
  readonly voxelSize: readonly [number, number, number];
}

const BYTES_PER_MODE: Readonly<Record<number, number>> = { 0: 1, 1: 2, 2: 4, 6: 2, 12: 2 };
const MODE_NAMES: Readonly<Record<number, string>> = {
  3: 'complex int16',
  4: 'complex float32',
  101: '4-bit packed',
};

/**
 * Parses the 1024-byte MRC2014 main header (https://www.ccpem.ac.uk/mrc_format/mrc2014.php).
 * Byte order comes from the machine stamp at byte 212 (0x44 0x44 or 0x44 0x41 little endian,
 * 0x11 0x11 big endian); with a missing stamp, the order in which the sizes and mode are sane wins.
 * Throws `corrupt-image` for a broken header, `unsupported-format` for modes we do not read.
 */
export function parseMrcHeader(bytes: Uint8Array): MrcHeader {
  if (bytes.length < 1024) {
    throw new MetdbError(
      'corrupt-image',
      `corrupt MRC: ${bytes.length} bytes, shorter than the 1024-byte header`,
      {
        details: { format: 'mrc', bytes: bytes.length },
      },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 1024);
  const stamp = bytes[212];
  const sane = (little: boolean): boolean =>
    [0, 4, 8].every((o) => view.getInt32(o, little) > 0) &&
    view.getInt32(12, little) in { ...BYTES_PER_MODE, ...MODE_NAMES };
  const littleEndian = stamp === 0x44 ? true : stamp === 0x11 ? false : sane(true) || !sane(false);
  const int = (o: number): number => view.getInt32(o, littleEndian);
  const [nx, ny, nz, mode, nsymbt] = [int(0), int(4), int(8), int(12), int(92)];
  const details = { format: 'mrc', nx, ny, nz, mode, nsymbt };
  if (nx <= 0 || ny <= 0 || nz <= 0 || nsymbt < 0) {
    throw new MetdbError(
      'corrupt-image',
      `corrupt MRC header: sizes ${nx} x ${ny} x ${nz}, extended header ${nsymbt} bytes`,
      { details },
    );
  }
  const bytesPerVoxel = BYTES_PER_MODE[mode];
  if (bytesPerVoxel === undefined) {
    const name = MODE_NAMES[mode] ?? 'unknown';
    throw new MetdbError(
      'unsupported-format',
      `MRC mode ${mode} (${name}) is not supported; Met-db reads modes 0, 1, 2, 6 and 12`,
      { details },
    );
  }
  const voxel = (axis: number): number => {
    const cell = view.getFloat32(40 + 4 * axis, littleEndian);
    const samples = int(28 + 4 * axis);
    return samples > 0 && Number.isFinite(cell) && cell > 0 ? cell / samples : 0;
  };
  const voxelSize = [voxel(0), voxel(1), voxel(2)] as const;
  return { nx, ny, nz, mode, nsymbt, littleEndian, dataOffset: 1024 + nsymbt, bytesPerVoxel, voxelSize };
}
