import { writeFile } from 'node:fs/promises';
import { MetdbError } from '../shared/errors/metdb-error.js';
import { encodeMrc } from '../shared/imaging/encode-mrc.js';
import { encodeTiff } from '../shared/imaging/encode-tiff.js';
import { toMicrometres } from '../shared/imaging/pixel-size.js';
import { readImageFile } from '../shared/imaging/read-image-file.js';
import type { NdArray } from '../shared/ndarray/ndarray.js';
import { binSections, convertToUint8 } from '../shared/stack-conversion/index.js';
import { UsageError } from './usage-error.js';
import { parseCommandArgs } from './parse-command-args.js';

export const CONVERT_USAGE = `usage: metdb convert <input> <output.mrc|output.tif> [--uint8] [--thr-min F] [--thr-max F] [--sliding [--window N] [--order N]] [--bin-z N]

Converts an image or a stack (TIFF, MRC...) and writes it as MRC (voxel size kept) or TIFF, by the
output's extension. Steps, in this order:
  --bin-z N      z binning: the mean of N consecutive sections (a trailing group of fewer is
                 dropped); the z voxel size grows N times
  --uint8        8 bits: each section scaled from the range that leaves the fractions --thr-min
                 and --thr-max of its pixels outside (cumulative histogram, 256 bins), as the FIB-SEM
                 toolkit does; one range for the whole stack, or with --sliding each section's own,
                 smoothed by Savitzky-Golay over --window sections (default 101, at most n/4) of
                 --order (default 3)
  --thr-min F, --thr-max F   default 0.001 each`;

/** `metdb convert`: z binning and 8-bit conversion of one file. Returns the exit code. */
export async function convertCommand(args: string[], out: (line: string) => void): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      uint8: { type: 'boolean', default: false },
      'thr-min': { type: 'string', default: '0.001' },
      'thr-max': { type: 'string', default: '0.001' },
      sliding: { type: 'boolean', default: false },
      window: { type: 'string', default: '101' },
      order: { type: 'string', default: '3' },
      'bin-z': { type: 'string', default: '1' },
    },
    CONVERT_USAGE,
    out,
  );
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 2) throw new UsageError('expected an input and an output file', CONVERT_USAGE);
  const [input, output] = positionals as [string, string];
  const format = /\.mrc$/i.test(output) ? 'mrc' : /\.tiff?$/i.test(output) ? 'tiff' : undefined;
  if (format === undefined)
    throw new UsageError(`the output must end in .mrc, .tif or .tiff, got "${output}"`, CONVERT_USAGE);
  const number = (
    name: 'thr-min' | 'thr-max' | 'window' | 'order' | 'bin-z',
    ok: (v: number) => boolean,
    rule: string,
  ) => {
    const v = Number(values[name]);
    if (values[name] === '' || !ok(v))
      throw new UsageError(`--${name} must be ${rule}, got "${values[name]}"`, CONVERT_USAGE);
    return v;
  };
  const thrMin = number('thr-min', (v) => v >= 0 && v < 1, 'a fraction in [0, 1)');
  const thrMax = number('thr-max', (v) => v >= 0 && v < 1, 'a fraction in [0, 1)');
  const window = number('window', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  const order = number('order', (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
  const binZ = number('bin-z', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');

  const { array, info } = await readImageFile(input);
  let image: NdArray<Uint8Array | Uint16Array | Float32Array> = array;
  if (binZ > 1) {
    if (image.shape.length !== 3 || image.shape[0]! < binZ) {
      throw new MetdbError(
        'invalid-argument',
        `${input}: --bin-z ${binZ} needs a stack of at least ${binZ} sections, got shape [${image.shape.join(', ')}]`,
      );
    }
    image = binSections(image, { factor: binZ });
  }
  let note = '';
  if (values.uint8) {
    const converted = convertToUint8(image, {
      thrMin,
      thrMax,
      range: values.sliding ? 'sliding' : 'global',
      window,
      order,
    });
    image = converted.image;
    const range = values.sliding
      ? `sliding ranges ${fmt(Math.min(...converted.min))}..${fmt(Math.max(...converted.max))}`
      : `range ${fmt(converted.min[0]!)}..${fmt(converted.max[0]!)}`;
    note = `, 8 bits (${range})`;
  }
  const size = info.pixelSize;
  const angstrom = (v: number | null) =>
    v === null || size === null ? 0 : toMicrometres(v, size.unit) * 1e4;
  const bytes =
    format === 'mrc'
      ? encodeMrc(image, {
          ...(size !== null && {
            voxelSize: { x: angstrom(size.x), y: angstrom(size.y), z: angstrom(size.z) * binZ },
          }),
          labels: [`Converted by Met-db from ${basename(input)}`.slice(0, 80)],
        })
      : encodeTiff(image);
  await writeFile(output, bytes);
  out(
    `${output}: [${image.shape.join(', ')}] ${image.data.constructor.name.replace('Array', '').toLowerCase()}${binZ > 1 ? `, z binned by ${binZ}` : ''}${note}`,
  );
  return 0;
}

function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(6);
}
