/**
 * Preprocessing of images before registration (pure, no IO): outputs are float32 or float64 NdArrays,
 * axis order (z,) y, x, any number of axes.
 */
export { applyWindow, type ApplyWindowOptions } from './apply-window.js';
export { binImage, type BinImageOptions } from './bin-image.js';
export type { OutputDtype } from './check-options.js';
export { clipPercentiles, type ClipPercentilesOptions } from './clip-percentiles.js';
export { gaussianBlur, gaussianKernel } from './gaussian-blur.js';
export { hann1d, hannWindow, type HannWindowOptions } from './hann-window.js';
export { medianFilter } from './median-filter.js';
export { percentiles } from './percentiles.js';
export { preprocess } from './preprocess.js';
export { removeBackground, type RemoveBackgroundOptions } from './remove-background.js';
export { separableWindow } from './separable-window.js';
export { suppressHotPixels, type SuppressHotPixelsOptions } from './suppress-hot-pixels.js';
export { tukey1d, tukeyWindow, type TukeyWindowOptions } from './tukey-window.js';
export { validatePreprocessOptions, type PreprocessOptions } from './validate-preprocess-options.js';
export {
  DEFAULT_TUKEY_ALPHA,
  DEFAULT_WINDOW,
  resolveWindow,
  type Window,
  type WindowOption,
} from './window-option.js';
