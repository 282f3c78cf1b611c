import type { Mutable } from '@zarrita/storage';
import * as zarr from 'zarrita';
import { MetdbError } from '../errors/metdb-error.js';
import type { ImageChannels } from '../imaging/image-channels.js';
import { LENGTH_UNITS } from '../imaging/pixel-size.js';
import { pixelTypeOf, type NdArray } from '../ndarray/ndarray.js';
import { downsampleYx } from './downsample-yx.js';

export interface OmeZarrOptions {
  /** Name of the multiscale image. @default 'series' */
  readonly name?: string;
  /** Largest number of pyramid levels (each halves y and x, z kept). @default 5 */
  readonly maxLevels?: number;
  /** No level smaller than this along y or x, pixels. @default 64 */
  readonly minSize?: number;
  /** Chunk edge along y and x, pixels. @default 256 */
  readonly chunk?: number;
}

const DTYPES = { uint8: 'uint8', uint16: 'uint16', float32: 'float32' } as const;

/**
 * Writes a registered series as OME-Zarr (NGFF 0.5, Zarr v3, with zarrita): one image with axes
 * t, c, (z,) y, x (space axes in the pixel size's unit, UDUNITS names), a pyramid of levels
 * `0`, `1`... each halving y and x by 2 x 2 means, the pixel size times the level's factor in
 * each level's `scale` transformation, and `omero` channel labels (the names) and windows.
 * Frames are the time points, in order; they must share shape, channels and pixel type.
 *
 * @returns the shape of level 0 and the number of levels
 */
export async function writeOmeZarr(
  store: Mutable,
  frames: readonly ImageChannels[],
  options: OmeZarrOptions = {},
): Promise<{ shape: number[]; levels: number }> {
  const { name = 'series', maxLevels = 5, minSize = 64, chunk = 256 } = options;
  const first = frames[0];
  const probe = first?.channels[0];
  if (first === undefined || probe === undefined) {
    throw new MetdbError('invalid-argument', 'writeOmeZarr: no frames');
  }
  const type = pixelTypeOf(probe.data);
  const C = first.channels.length;
  const same = (a: NdArray) => pixelTypeOf(a.data) === type && a.shape.join() === probe.shape.join();
  if (type === 'float64' || frames.some((f) => f.channels.length !== C || !f.channels.every(same))) {
    throw new MetdbError(
      'invalid-argument',
      'writeOmeZarr: frames must share shape, channels and pixel type',
    );
  }
  const spatial = probe.shape;
  const size = first.pixelSize;
  const unit = size === null ? undefined : LENGTH_UNITS[size.unit].udunits;
  const space = (n: string) => ({ name: n, type: 'space', ...(unit === undefined ? {} : { unit }) });
  const axes = [
    { name: 't', type: 'time' },
    { name: 'c', type: 'channel' },
    ...(spatial.length === 3 ? [space('z')] : []),
    space('y'),
    space('x'),
  ];
  let levels = 1;
  while (levels < maxLevels && Math.min(...spatial.slice(-2)) / 2 ** levels >= minSize) levels++;
  const pixel =
    spatial.length === 3 ? [size?.z ?? 1, size?.y ?? 1, size?.x ?? 1] : [size?.y ?? 1, size?.x ?? 1];
  const scaleOf = (l: number) => [1, 1, ...pixel.map((p, a) => (a >= pixel.length - 2 ? p * 2 ** l : p))];
  const root = zarr.root(store);
  await zarr.create(root, {
    attributes: {
      ome: {
        version: '0.5',
        multiscales: [
          {
            name,
            axes,
            datasets: Array.from({ length: levels }, (_, l) => ({
              path: String(l),
              coordinateTransformations: [{ type: 'scale', scale: scaleOf(l) }],
            })),
            type: 'mean of 2 x 2 pixels in y and x',
          },
        ],
        omero: { channels: first.channels.map((_, c) => channelMeta(frames, c, first.names?.[c] ?? null)) },
      },
    },
  });
  for (let l = 0; l < levels; l++) {
    const shape = [...spatial.slice(0, -2), ...spatial.slice(-2).map((n) => Math.floor(n / 2 ** l))];
    const array = await zarr.create(root.resolve(String(l)), {
      shape: [frames.length, C, ...shape],
      chunkShape: [1, 1, ...shape.map((n, a) => (a < shape.length - 2 ? 1 : Math.min(chunk, n)))],
      dtype: DTYPES[type],
      codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
      fillValue: 0,
      dimensionNames: axes.map((a) => a.name),
    });
    for (let t = 0; t < frames.length; t++) {
      for (let c = 0; c < C; c++) {
        let plane = frames[t]!.channels[c]!;
        for (let k = 0; k < l; k++) plane = downsampleYx(plane);
        await zarr.set(array, [t, c, ...shape.map(() => null)], {
          data: plane.data,
          shape: [...plane.shape],
          stride: strides(plane.shape),
        });
      }
    }
  }
  return { shape: [frames.length, C, ...spatial], levels };
}

/** `omero` metadata of one channel: its label and the display window of its values over the series. */
function channelMeta(frames: readonly ImageChannels[], c: number, label: string | null) {
  let [min, max] = [Infinity, -Infinity];
  for (const f of frames) {
    for (const v of f.channels[c]!.data) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { label: label ?? `channel ${c}`, active: true, window: { min, max, start: min, end: max } };
}

function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let a = shape.length - 2; a >= 0; a--) out[a] = out[a + 1]! * shape[a + 1]!;
  return out;
}
