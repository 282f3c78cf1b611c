import { MetdbError } from '../../errors/metdb-error.js';
import type { NdArray } from '../../ndarray/ndarray.js';
import { allocate, type OutputDtype } from './check-options.js';

/**
 * The outer product of one 1-D window per axis: w[i0, i1, ...] = w0[i0] * w1[i1] * ... (axis order
 * (z,) y, x). This is the separable N-D window that registration pipelines commonly use; note that
 * `skimage.filters.window` instead warps the 1-D window radially (a rotationally symmetric window).
 */
export function separableWindow(
  shape: readonly number[],
  window1d: (n: number) => Float64Array,
  dtype: OutputDtype,
): NdArray<Float32Array | Float64Array> {
  if (shape.length === 0 || !shape.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new MetdbError(
      'invalid-argument',
      `window: shape must be positive integers, got [${shape.join(', ')}]`,
      {
        details: { shape: [...shape] },
      },
    );
  }
  let data = Float64Array.of(1);
  for (const n of shape) {
    const w = window1d(n);
    const next = new Float64Array(data.length * n);
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as number;
      const base = i * n;
      for (let j = 0; j < n; j++) next[base + j] = v * (w[j] as number);
    }
    data = next;
  }
  if (dtype === 'float64') return { data, shape: [...shape] };
  const out = allocate(dtype, data.length);
  out.set(data);
  return { data: out, shape: [...shape] };
}
