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
   * 'real': inputs are images. 'fourier': inputs are their (full, complex) N-D spectra.
   * @default 'real'
   */
  space?: 'real' | 'fourier';
  /**
   * Also return `peakRatio`, the phase-correlation peak over the RMS of the rest of the surface
   * (real-space inputs only; free with normalization 'phase', one more inverse FFT with 'none').
   * @default false
   */
  returnPeakRatio?: boolean;
}

export interface ResolvedOptions {
  readonly upsampleFactor: number;
  readonly normalization: 'phase' | 'none';
  readonly space: 'real' | 'fourier';
  readonly returnPeakRatio: boolean;
}

const KNOWN = new Set(['upsampleFactor', 'normalization', 'space', 'returnPeakRatio']);

export function resolveOptions(options: unknown): ResolvedOptions {
  if (options === undefined)
    return { upsampleFactor: 1, normalization: 'phase', space: 'real', returnPeakRatio: false };
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
  return { upsampleFactor, normalization, space, returnPeakRatio };
}
