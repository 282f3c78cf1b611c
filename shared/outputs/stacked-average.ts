import { MetdbError } from '../errors/metdb-error.js';
import { sizeOf, stridesOf, type NdArray } from '../ndarray/ndarray.js';
import { interpolatedShift } from '../registration/interpolated-shift.js';

export interface StackedAverageOptions {
  /**
   * 'full': the canvas covering every registered frame (the union; each pixel averages the frames
   * that cover it, pixels covered by none are 0); 'overlap': cropped to the region every frame
   * covers (the intersection), as the image-stacking seed does.
   * @default 'full'
   */
  crop?: 'full' | 'overlap';
}

export interface StackedAverage {
  /** The mean of the registered frames, float32, axis order (z,) y, x. */
  readonly image: NdArray<Float32Array>;
  /** Position of the canvas origin in reference pixels (negative when frames stick out above/left). */
  readonly origin: readonly number[];
  /** How many frames cover each canvas pixel. */
  readonly coverage: NdArray<Uint16Array>;
}

/**
 * Averages frames after registering each onto the reference grid with its shift (pixels, axis
 * order (z,) y, x, the registering shift as `phaseCrossCorrelation` returns it). Each frame is
 * moved by the fractional part of its shift with a cubic spline (`interpolatedShift`), then placed
 * on the canvas at the integer part, so that no content is cut at the reference's borders.
 *
 * @throws MetdbError 'invalid-argument' with no frames, 'shape-mismatch' when shapes differ,
 *   'empty-array' when the frames have no common overlap and `crop` is 'overlap'
 */
export function stackedAverage(
  frames: readonly { image: NdArray; shift: readonly number[] }[],
  options: StackedAverageOptions = {},
): StackedAverage {
  const { crop = 'full' } = options;
  const first = frames[0];
  if (first === undefined) throw new MetdbError('invalid-argument', 'stackedAverage: no frames');
  const shape = first.image.shape;
  const ndim = shape.length;
  for (const f of frames) {
    if (
      f.image.shape.length !== ndim ||
      f.image.shape.some((n, a) => n !== shape[a]) ||
      f.shift.length !== ndim
    ) {
      throw new MetdbError('shape-mismatch', 'stackedAverage: frames and shifts must share one shape', {
        details: { expected: [...shape], got: [...f.image.shape], shift: [...f.shift] },
      });
    }
  }
  const whole = frames.map((f) => f.shift.map((s) => Math.round(s)));
  // Valid (not extrapolated) range of each moved frame along each axis, in its own grid.
  const valid = frames.map((f, k) =>
    f.shift.map((s, a) => {
      const frac = s - whole[k]![a]!;
      return [Math.ceil(frac - 1e-9), Math.floor(shape[a]! - 1 + frac + 1e-9)] as const;
    }),
  );
  const lo = shape.map((_, a) => Math.min(...frames.map((_f, k) => whole[k]![a]! + valid[k]![a]![0])));
  const hi = shape.map((_, a) => Math.max(...frames.map((_f, k) => whole[k]![a]! + valid[k]![a]![1])));
  const canvasShape = shape.map((_, a) => hi[a]! - lo[a]! + 1);
  const sum = new Float64Array(sizeOf(canvasShape));
  const count = new Uint16Array(sum.length);
  const cs = stridesOf(canvasShape);
  const fs = stridesOf(shape);
  frames.forEach((f, k) => {
    const frac = f.shift.map((s, a) => s - whole[k]![a]!);
    const moved = interpolatedShift(f.image, frac, { order: 3, mode: 'nearest' });
    const ranges = valid[k]!;
    const offset = shape.map((_, a) => whole[k]![a]! - lo[a]!);
    forEachIndex(ranges, (idx) => {
      let src = 0;
      let dst = 0;
      for (let a = 0; a < ndim; a++) {
        src += idx[a]! * fs[a]!;
        dst += (idx[a]! + offset[a]!) * cs[a]!;
      }
      sum[dst]! += moved.data[src]!;
      count[dst]!++;
    });
  });
  const mean = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) mean[i] = count[i]! > 0 ? sum[i]! / count[i]! : 0;
  const full: StackedAverage = {
    image: { data: mean, shape: canvasShape },
    origin: lo,
    coverage: { data: count, shape: canvasShape },
  };
  if (crop === 'full') return full;
  const from = shape.map(
    (_, a) => Math.max(...frames.map((_f, k) => whole[k]![a]! + valid[k]![a]![0])) - lo[a]!,
  );
  const to = shape.map(
    (_, a) => Math.min(...frames.map((_f, k) => whole[k]![a]! + valid[k]![a]![1])) - lo[a]!,
  );
  if (from.some((f, a) => f > to[a]!)) {
    throw new MetdbError('empty-array', 'stackedAverage: the frames have no common overlap');
  }
  return {
    image: cropArray(full.image, from, to, Float32Array),
    origin: lo.map((o, a) => o + from[a]!),
    coverage: cropArray(full.coverage, from, to, Uint16Array),
  };
}

/** Calls `fn` with every index of the box [from, to] (inclusive per axis), last axis fastest. */
function forEachIndex(box: readonly (readonly [number, number])[], fn: (index: number[]) => void): void {
  if (box.some(([a, b]) => b < a)) return;
  const idx = box.map(([a]) => a);
  const ndim = box.length;
  for (;;) {
    fn(idx);
    let a = ndim - 1;
    while (a >= 0 && idx[a] === box[a]![1]) {
      idx[a] = box[a]![0];
      a--;
    }
    if (a < 0) return;
    idx[a]!++;
  }
}

function cropArray<T extends Float32Array | Uint16Array>(
  array: NdArray<T>,
  from: readonly number[],
  to: readonly number[],
  Type: { new (n: number): T },
): NdArray<T> {
  const shape = from.map((f, a) => to[a]! - f + 1);
  const out = new Type(sizeOf(shape));
  const s = stridesOf(array.shape);
  let i = 0;
  forEachIndex(
    from.map((f, a) => [f, to[a]!] as const),
    (idx) => {
      let src = 0;
      for (let a = 0; a < idx.length; a++) src += idx[a]! * s[a]!;
      out[i++] = array.data[src]!;
    },
  );
  return { data: out, shape };
}
