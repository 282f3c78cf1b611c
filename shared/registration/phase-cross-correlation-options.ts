import { MetdbError } from '../errors/metdb-error.js';

export interface PhaseCrossCorrelationOptions {
  /**
   * Images are registered to within 1/upsampleFactor of a pixel. 1 gives the integer peak of the
   * cross-correlation; above 1 the peak is refined by an upsampled DFT in a 1.5-pixel
   * neighbourhood (Guizar-Sicairos et al. 2008).
   * @default 1
   */
  upsampleFactor?: number;
  /**
   * 'phase' divides the cross-power spectrum by its magnitude (phase correlation: sharp peak,
   * robust to illumination); 'none' keeps plain cross-correlation (more robust to noise on
   * low-texture images).
   * @default 'phase'
   */
  normalization?: 'phase' | 'none';
  /**
   * With normalization 'phase', each frequency of the cross-power spectrum P is weighted by
   * |P| / (|P| + r)^2 instead of 1 / |P| (r = `regularization`, in the units of |P|: squared pixel
   * values times pixels, the DFT unnormalised): where |P| is well above r, phase correlation's
   * weight; well below it, |P| / r^2, which suppresses the frequencies that noise dominates,
   * unlike phase correlation, which gives them the weight of any other (a Wiener-like weighting
   * of the generalised cross-correlation; Knapp & Carter, IEEE TASSP 24, 320, 1976).
   * 0 is scikit-image's phase correlation.
   * @default 0
   */
  regularization?: number;
  /**
   * 'real': inputs are images. 'fourier': inputs are their (full, complex) N-D spectra.
   * @default 'real'
   */
  space?: 'real' | 'fourier';
  /**
   * Also return `peakRatio`, the phase-correlation peak over the RMS of the rest of the surface
   * (real-space inputs only; free with normalization 'phase', one more inverse FFT with 'none';
   * with a `regularization`, of the regularised surface).
   * @default false
   */
  returnPeakRatio?: boolean;
}

export interface ResolvedOptions {
  readonly upsampleFactor: number;
  readonly normalization: 'phase' | 'none';
  readonly regularization: number;
  readonly space: 'real' | 'fourier';
  readonly returnPeakRatio: boolean;
}

const KNOWN = new Set(['upsampleFactor', 'normalization', 'regularization', 'space', 'returnPeakRatio']);

export function resolveOptions(options: unknown): ResolvedOptions {
  if (options === undefined)
    return {
      upsampleFactor: 1,
      normalization: 'phase',
      regularization: 0,
      space: 'real',
      returnPeakRatio: false,
    };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new MetdbError('invalid-argument', 'phaseCrossCorrelation: options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new MetdbError('unknown-option', `phaseCrossCorrelation: unknown option "${key}"`, {
        details: { option: key, known: [...KNOWN] },
      });
    }
  }
  const o = options as Record<string, unknown>;
  const upsampleFactor = o['upsampleFactor'] ?? 1;
  if (typeof upsampleFactor !== 'number' || !Number.isFinite(upsampleFactor) || upsampleFactor < 1) {
    throw new MetdbError(
      'invalid-argument',
      `phaseCrossCorrelation: upsampleFactor must be a finite number >= 1, got ${JSON.stringify(upsampleFactor)}`,
      { details: { option: 'upsampleFactor', value: upsampleFactor } },
    );
  }
  const normalization = o['normalization'] ?? 'phase';
  if (normalization !== 'phase' && normalization !== 'none') {
    throw new MetdbError(
      'invalid-argument',
      `phaseCrossCorrelation: normalization must be 'phase' or 'none', got ${JSON.stringify(normalization)}`,
      { details: { option: 'normalization', value: normalization } },
    );
  }
  const regularization = o['regularization'] ?? 0;
  if (typeof regularization !== 'number' || !Number.isFinite(regularization) || regularization < 0) {
    throw new MetdbError(
      'invalid-argument',
      `phaseCrossCorrelation: regularization must be a finite number >= 0, got ${JSON.stringify(regularization)}`,
      { details: { option: 'regularization', value: regularization } },
    );
  }
  const space = o['space'] ?? 'real';
  if (space !== 'real' && space !== 'fourier') {
    throw new MetdbError(
      'invalid-argument',
      `phaseCrossCorrelation: space must be 'real' or 'fourier', got ${JSON.stringify(space)}`,
      { details: { option: 'space', value: space } },
    );
  }
  const returnPeakRatio = o['returnPeakRatio'] ?? false;
  if (typeof returnPeakRatio !== 'boolean' || (returnPeakRatio && space === 'fourier')) {
    throw new MetdbError(
      'invalid-argument',
      'phaseCrossCorrelation: returnPeakRatio must be a boolean (real space only)',
      {
        details: { option: 'returnPeakRatio', value: returnPeakRatio },
      },
    );
  }
  return { upsampleFactor, normalization, regularization, space, returnPeakRatio };
}
