import { sizeOf, type NdArray } from '../ndarray/ndarray.js';
import { nextPffftSize } from '../registration/fft/fft-sizes.js';
import { gaussianBlur } from '../registration/preprocess/gaussian-blur.js';

/** The pixel grid localisations are rendered on: axis order (z,) y, x. */
export interface RenderGrid {
  /** Coordinate (nm) of the centre of pixel 0 along each axis. */
  readonly origin: readonly number[];
  /** Pixel size per axis, nm. */
  readonly pixelSize: readonly number[];
  readonly shape: readonly number[];
}

/** Localisation coordinates in nanometres, one array per axis, axis order (z,) y, x. */
export type Coordinates = readonly Float64Array[];

/**
 * The grid covering every localisation with `padding` pixels of empty margin on each side (so
 * that circular correlation does not wrap the structure onto itself), each axis an FFT-friendly
 * length.
 */
export function renderGrid(
  coordinates: Coordinates,
  pixelSize: readonly number[],
  padding: number,
): RenderGrid {
  const origin: number[] = [];
  const shape: number[] = [];
  coordinates.forEach((c, a) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < c.length; i++) {
      lo = Math.min(lo, c[i]!);
      hi = Math.max(hi, c[i]!);
    }
    const p = pixelSize[a]!;
    const span = Math.ceil((hi - lo) / p) + 1;
    const n = nextPffftSize(span + 2 * padding, 'real');
    origin.push(lo - p * Math.floor((n - span) / 2));
    shape.push(n);
  });
  return { origin, pixelSize: [...pixelSize], shape };
}

/**
 * A super-resolution image of localisations `from` to `to - 1`: each one adds 1, shared among the
 * 2^d pixels around it by linear weights (no half-pixel quantisation of the positions), then
 * optionally a Gaussian blur of `blur` pixels.
 */
export function renderLocalisations(
  grid: RenderGrid,
  coordinates: Coordinates,
  from: number,
  to: number,
  blur: number,
): NdArray<Float64Array> {
  const { shape, origin, pixelSize } = grid;
  const ndim = shape.length;
  const image = new Float64Array(sizeOf(shape));
  const strides = shape.map((_, a) => sizeOf(shape.slice(a + 1)));
  const base = new Array<number>(ndim).fill(0);
  const frac = new Array<number>(ndim).fill(0);
  for (let i = from; i < to; i++) {
    let inside = true;
    for (let a = 0; a < ndim; a++) {
      const p = (coordinates[a]![i]! - origin[a]!) / pixelSize[a]!;
      const b = Math.floor(p);
      base[a] = b;
      frac[a] = p - b;
      if (b < 0 || b + 1 >= shape[a]!) inside = inside && shape[a] === 1 && b === 0;
    }
    if (!inside) continue;
    // The 2^d corners: bit a of `corner` picks base or base + 1 along axis a.
    for (let corner = 0; corner < 1 << ndim; corner++) {
      let w = 1;
      let index = 0;
      for (let a = 0; a < ndim; a++) {
        const up = (corner >> a) & 1;
        if (shape[a] === 1 && up === 1) w = 0;
        w *= up === 1 ? frac[a]! : 1 - frac[a]!;
        index += (base[a]! + up) * strides[a]!;
      }
      if (w > 0) image[index] = image[index]! + w;
    }
  }
  if (blur <= 0) return { data: image, shape: [...shape] };
  return gaussianBlur(
    { data: image, shape },
    shape.map((n) => (n > 1 ? blur : 0)),
  );
}
