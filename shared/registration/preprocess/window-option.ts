import { MetdbError } from '../../errors/metdb-error.js';
import { checkNumber, checkOptionKeys } from './check-options.js';

/**
 * A window as a person or a message gives it (metdb.json's `preprocessing.window`, `preprocess`'s
 * last step, `registerTile`'s `window`): by name, with its parameters, or none (false or 'none').
 */
export type WindowOption =
  false | 'none' | 'hann' | 'tukey' | { type: 'hann' } | { type: 'tukey'; alpha?: number };

/** A window once checked (`resolveWindow`): its kind and every parameter. */
export type Window =
  { readonly type: 'none' } | { readonly type: 'hann' } | { readonly type: 'tukey'; readonly alpha: number };

/** Tukey's fraction of the window inside the cosine tapers when none is given. */
export const DEFAULT_TUKEY_ALPHA = 0.5;

/** The window tiles are registered with when none is given: Tukey, alpha 0.5. */
export const DEFAULT_WINDOW = { type: 'tukey', alpha: DEFAULT_TUKEY_ALPHA } as const satisfies Window;

/**
 * Checks an untrusted window option and returns it with its parameters filled in; undefined gives
 * `fallback`.
 *
 * @param where names the option in the error (e.g. 'preprocess')
 * @throws MetdbError 'invalid-argument' for anything else, 'unknown-option' for an unknown key
 */
export function resolveWindow(value: unknown, where: string, fallback: Window = DEFAULT_WINDOW): Window {
  if (value === undefined) return fallback;
  if (value === false || value === 'none') return { type: 'none' };
  if (value === 'hann') return { type: 'hann' };
  if (value === 'tukey') return DEFAULT_WINDOW;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const type = (value as { type?: unknown }).type;
    if (type === 'hann') {
      checkOptionKeys(value, ['type'], `${where}.window`);
      return { type: 'hann' };
    }
    if (type === 'tukey') {
      checkOptionKeys(value, ['type', 'alpha'], `${where}.window`);
      const alpha = (value as { alpha?: unknown }).alpha;
      return { type: 'tukey', alpha: checkNumber(alpha, DEFAULT_TUKEY_ALPHA, 'window.alpha', 0, 1) };
    }
  }
  throw new MetdbError(
    'invalid-argument',
    `${where}: window must be 'hann', 'tukey', { type: 'tukey', alpha } or false`,
    { details: { option: 'window', value } },
  );
}
