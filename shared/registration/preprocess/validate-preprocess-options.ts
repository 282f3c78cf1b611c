import { BIN_IMAGE_KEYS, resolveBinImageOptions, type BinImageOptions } from './bin-image.js';
import { checkDtype, checkOptionKeys, type OutputDtype } from './check-options.js';
import {
  CLIP_PERCENTILES_KEYS,
  resolveClipPercentilesOptions,
  type ClipPercentilesOptions,
} from './clip-percentiles.js';
import {
  REMOVE_BACKGROUND_KEYS,
  resolveRemoveBackgroundOptions,
  type RemoveBackgroundOptions,
} from './remove-background.js';
import {
  SUPPRESS_HOT_PIXELS_KEYS,
  resolveSuppressHotPixelsOptions,
  type SuppressHotPixelsOptions,
} from './suppress-hot-pixels.js';
import { resolveWindow, type WindowOption } from './window-option.js';

export type { WindowOption } from './window-option.js';

/**
 * Options of `preprocess`, JSON-friendly (they can come from a dataset's metdb.json). Each step is
 * skipped when absent or `false`, runs with its defaults when `true`, or with the given options
 * (intermediate results are float64; `dtype` applies to the final result only).
 */
export interface PreprocessOptions {
  /** Step 1, `suppressHotPixels`. @default skipped */
  hotPixels?: boolean | Omit<SuppressHotPixelsOptions, 'dtype'>;
  /** Step 2, `clipPercentiles`. @default skipped */
  clip?: boolean | Omit<ClipPercentilesOptions, 'dtype'>;
  /** Step 3, `removeBackground`. @default skipped */
  background?: boolean | Omit<RemoveBackgroundOptions, 'dtype'>;
  /** Step 4, `binImage` (`true` bins by 2). @default skipped */
  bin?: boolean | Omit<BinImageOptions, 'dtype'>;
  /**
   * Step 5, a separable window (`hannWindow` or `tukeyWindow`, alpha 0.5 by default); validated,
   * `{ type: 'hann' }` or `{ type: 'tukey', alpha }`. @default skipped
   */
  window?: WindowOption;
  /** Type of the result. @default 'float64' */
  dtype?: OutputDtype;
}

const KEYS = ['hotPixels', 'clip', 'background', 'bin', 'window', 'dtype'] as const;

/**
 * Checks an untrusted value as `PreprocessOptions` and returns it normalised: steps that run are
 * objects with every default filled in, skipped steps are absent, `dtype` is set.
 *
 * @throws MetdbError 'unknown-option' for a key that is not an option (at any level), 'invalid-argument'
 *   for a bad value
 */
export function validatePreprocessOptions(value: unknown): PreprocessOptions {
  checkOptionKeys(value, KEYS, 'preprocess');
  const o = (value ?? {}) as Record<string, unknown>;
  const result: PreprocessOptions = { dtype: checkDtype(o.dtype) };
  const hot = step(o.hotPixels, 'hotPixels', SUPPRESS_HOT_PIXELS_KEYS);
  if (hot !== null) {
    const { dtype: _d, ...rest } = resolveSuppressHotPixelsOptions(hot);
    result.hotPixels = rest;
  }
  const clip = step(o.clip, 'clip', CLIP_PERCENTILES_KEYS);
  if (clip !== null) {
    const { dtype: _d, ...rest } = resolveClipPercentilesOptions(clip);
    result.clip = rest;
  }
  const background = step(o.background, 'background', REMOVE_BACKGROUND_KEYS);
  if (background !== null) {
    const { dtype: _d, ...rest } = resolveRemoveBackgroundOptions(background);
    result.background = rest;
  }
  const bin = step(o.bin, 'bin', BIN_IMAGE_KEYS);
  if (bin !== null) {
    const { dtype: _d, ...rest } = resolveBinImageOptions(bin);
    result.bin = rest;
  }
  const window = validateWindow(o.window);
  if (window !== null) result.window = window;
  return result;
}

/** A step value: absent or false (null), true ({}), or an options object without `dtype`. */
function step(value: unknown, name: string, keys: readonly string[]): object | null {
  if (value === undefined || value === false) return null;
  if (value === true) return {};
  checkOptionKeys(
    value,
    keys.filter((k) => k !== 'dtype'),
    `preprocess.${name}`,
  );
  return value;
}

/** The window step, validated (`resolveWindow`): null when skipped. */
function validateWindow(value: unknown): WindowOption | null {
  const window = resolveWindow(value, 'preprocess', { type: 'none' });
  return window.type === 'none' ? null : { ...window };
}
