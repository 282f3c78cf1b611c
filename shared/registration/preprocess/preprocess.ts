import type { NdArray } from '../../ndarray/ndarray.js';
import { applyWindow } from './apply-window.js';
import { binImage } from './bin-image.js';
import { checkImage } from './check-image.js';
import { allocate } from './check-options.js';
import { clipPercentiles } from './clip-percentiles.js';
import { hannWindow } from './hann-window.js';
import { removeBackground } from './remove-background.js';
import { suppressHotPixels } from './suppress-hot-pixels.js';
import { tukeyWindow } from './tukey-window.js';
import { DEFAULT_TUKEY_ALPHA } from './window-option.js';
import { validatePreprocessOptions, type PreprocessOptions } from './validate-preprocess-options.js';

/** Whether validated options ask for any step (without one, `preprocess` only converts to float). */
export function hasPreprocessSteps(options: PreprocessOptions): boolean {
  const { hotPixels, clip, background, bin, window } = options;
  return [hotPixels, clip, background, bin, window].some((step) => typeof step === 'object');
}

type Step = (image: NdArray, dtype: 'float32' | 'float64') => NdArray<Float32Array | Float64Array>;

/**
 * The preprocessing step before a phase correlation, in a fixed order, each step optional:
 * 1. hot-pixel suppression (`suppressHotPixels`),
 * 2. intensity clip by percentiles (`clipPercentiles`),
 * 3. background removal (`removeBackground`),
 * 4. binning by summing blocks (`binImage`; the shape shrinks),
 * 5. a separable Hann or Tukey window of the (binned) shape (`applyWindow`).
 * Hot pixels go first so that they neither set the clip percentiles nor leak into the background;
 * the window goes last so that it tapers exactly what is correlated. With no step, the image is only
 * converted to floating point. Intermediate results are float64.
 *
 * @param image pixels, axis order (z,) y, x
 * @param options validated with `validatePreprocessOptions` (unknown keys are rejected)
 * @throws MetdbError 'unknown-option', 'invalid-argument', 'empty-array', 'non-finite'
 */
export function preprocess(
  image: NdArray,
  options: PreprocessOptions = {},
): NdArray<Float32Array | Float64Array> {
  const o = validatePreprocessOptions(options);
  checkImage(image, 'preprocess');
  const steps: Step[] = [];
  const { hotPixels, clip, background, bin, window } = o;
  if (typeof hotPixels === 'object')
    steps.push((im, dtype) => suppressHotPixels(im, { ...hotPixels, dtype }));
  if (typeof clip === 'object') steps.push((im, dtype) => clipPercentiles(im, { ...clip, dtype }));
  if (typeof background === 'object')
    steps.push((im, dtype) => removeBackground(im, { ...background, dtype }));
  if (typeof bin === 'object') steps.push((im, dtype) => binImage(im, { ...bin, dtype }));
  if (typeof window === 'object') {
    steps.push((im, dtype) => {
      const w =
        window.type === 'hann'
          ? hannWindow(im.shape)
          : tukeyWindow(im.shape, { alpha: window.alpha ?? DEFAULT_TUKEY_ALPHA });
      return applyWindow(im, w, { dtype });
    });
  }
  const dtype = o.dtype ?? 'float64';
  if (steps.length === 0) {
    const out = allocate(dtype, image.data.length);
    out.set(image.data);
    return { data: out, shape: [...image.shape] };
  }
  let current: NdArray = image;
  steps.forEach((run, i) => {
    current = run(current, i === steps.length - 1 ? dtype : 'float64');
  });
  return current as NdArray<Float32Array | Float64Array>;
}
