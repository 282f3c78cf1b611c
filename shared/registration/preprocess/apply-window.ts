import { MetdbError } from '../../errors/metdb-error.js';
import type { NdArray } from '../../ndarray/ndarray.js';
import { checkImage } from './check-image.js';
import { allocate, checkDtype, checkOptionKeys, type OutputDtype } from './check-options.js';

export interface ApplyWindowOptions {
  /** Type of the result. @default 'float64' */
  dtype?: OutputDtype;
}

/**
 * Multiplies an image by a window of the same shape, pixel by pixel (typically `hannWindow` or
 * `tukeyWindow` of the image's shape). The inputs are left unchanged.
 *
 * @throws MetdbError 'shape-mismatch' when the shapes differ; 'empty-array', 'non-finite', 'unknown-option'
 */
export function applyWindow(
  image: NdArray,
  window: NdArray,
  options: ApplyWindowOptions = {},
): NdArray<Float32Array | Float64Array> {
  checkOptionKeys(options, ['dtype'], 'applyWindow');
  const dtype = checkDtype(options.dtype);
  checkImage(image, 'applyWindow');
  const { shape } = image;
  if (window.shape.length !== shape.length || window.shape.some((n, k) => n !== shape[k])) {
    throw new MetdbError(
      'shape-mismatch',
      `applyWindow: window shape [${window.shape.join(', ')}] differs from image shape [${shape.join(', ')}]`,
      { details: { image: [...shape], window: [...window.shape] } },
    );
  }
  const { data } = image;
  const w = window.data;
  if (w.length !== data.length) {
    throw new MetdbError('invalid-argument', 'applyWindow: the window data does not match its shape');
  }
  const out = allocate(dtype, data.length);
  for (let i = 0; i < data.length; i++) out[i] = (data[i] as number) * (w[i] as number);
  return { data: out, shape: [...shape] };
}
