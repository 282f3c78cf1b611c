import { MetdbError } from '../errors/metdb-error.js';
import type { NdArray, PixelArray } from '../ndarray/ndarray.js';

export interface FuseMosaicOptions {
  /** Output rows blended at a time (bounds the float buffers to 2 x bandRows x width). @default 256 */
  readonly bandRows?: number;
}

export interface FusedMosaic<T extends PixelArray = PixelArray> {
  /** The mosaic, shape [height, width], the tiles' pixel type. */
  readonly image: NdArray<T>;
  /** Layout-frame position of the mosaic's top-left pixel (the smallest tile corner, floored). */
  readonly originX: number;
  readonly originY: number;
}

/**
 * Fuses tiles into one image with linear blending: in an overlap each tile weighs
 * min(x + 1, width - x) * min(y + 1, height - y), its distance to its own border (MIST's and
 * Fiji's linear blend), so that seams fade instead of cutting. Tiles are placed at their
 * positions rounded to whole pixels (no resampling: pixel values stay as acquired). Pixels no tile
 * covers are 0. Integer outputs are rounded and clamped to the type's range.
 *
 * @param tiles one channel of every tile, shape [height, width], one pixel type
 * @param positions tile top-left corners, pixels, in the layout's frame
 */
export function fuseMosaic<T extends PixelArray>(
  tiles: readonly NdArray<T>[],
  positions: readonly { readonly x: number; readonly y: number }[],
  options: FuseMosaicOptions = {},
): FusedMosaic<T> {
  const { bandRows = 256 } = options;
  const first = tiles[0];
  if (first === undefined || positions.length !== tiles.length) {
    throw new MetdbError('invalid-argument', 'fuseMosaic: one position per tile, at least one tile');
  }
  const [h, w] = first.shape as [number, number];
  const px = positions.map((p) => Math.round(p.x));
  const py = positions.map((p) => Math.round(p.y));
  const originX = Math.min(...px);
  const originY = Math.min(...py);
  const width = Math.max(...px) - originX + w;
  const height = Math.max(...py) - originY + h;
  const ctor = first.data.constructor as new (n: number) => T;
  const out = new ctor(width * height);
  const [lo, hi] = rangeOf(first.data);
  const wx = ramp(w);
  const wy = ramp(h);
  const sum = new Float64Array(bandRows * width);
  const weight = new Float64Array(bandRows * width);
  for (let r0 = 0; r0 < height; r0 += bandRows) {
    const r1 = Math.min(height, r0 + bandRows);
    sum.fill(0);
    weight.fill(0);
    tiles.forEach((tile, k) => {
      const top = py[k]! - originY;
      const left = px[k]! - originX;
      const y0 = Math.max(r0, top);
      const y1 = Math.min(r1, top + h);
      const src = tile.data;
      for (let y = y0; y < y1; y++) {
        const ty = y - top;
        const fy = wy[ty]!;
        const s = ty * w;
        const o = (y - r0) * width + left;
        for (let x = 0; x < w; x++) {
          const f = fy * wx[x]!;
          sum[o + x] = sum[o + x]! + f * src[s + x]!;
          weight[o + x] = weight[o + x]! + f;
        }
      }
    });
    const base = r0 * width;
    const n = (r1 - r0) * width;
    for (let i = 0; i < n; i++) {
      const f = weight[i]!;
      if (f === 0) continue;
      const v = sum[i]! / f;
      out[base + i] = lo === hi ? v : Math.min(hi, Math.max(lo, Math.round(v)));
    }
  }
  return { image: { data: out, shape: [height, width] }, originX, originY };
}

/** Linear blending weights of one axis: distance to the nearer border, 1 at the border pixel. */
function ramp(n: number): Float64Array {
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = Math.min(i + 1, n - i);
  return r;
}

/** Clamp range of an integer type; [0, 0] marks a float type (no rounding, no clamping). */
function rangeOf(data: PixelArray): [number, number] {
  if (data instanceof Uint8Array) return [0, 255];
  if (data instanceof Uint16Array) return [0, 65535];
  return [0, 0];
}
