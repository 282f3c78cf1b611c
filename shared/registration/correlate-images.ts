import { sizeOf, type NdArray } from '../ndarray/ndarray.js';
import { halfShape, irfftn, rfftn } from './fft/fftn.js';
import { HeapBuffer } from './fft/pffft-module.js';
import type { ResolvedOptions } from './phase-cross-correlation-options.js';
import type { CorrelationWorkspace } from './correlation-workspace.js';
import { crossPowerSpectrum } from './cross-power-spectrum.js';
import { peakRatio } from './peak-ratio.js';
import { isPreparedReference, type PreparedReference } from './prepared-reference.js';
import { refinePeak, unravel, type Peak, type PhaseCrossCorrelationResult } from './refine-peak.js';
import { upsampledDftHalf } from './upsampled-dft.js';
import { assertFinite } from './validate-input.js';

/**
 * Phase correlation of two real images (either or both prepared) through real FFTs:
 * frequency-major half spectra, cross-power spectrum, inverse real FFT, integer peak, then the
 * refinement of `refinePeak`. The surface and the upsampled DFT's values live in `workspace`.
 */
export function correlateImages(
  reference: NdArray | PreparedReference,
  moving: NdArray | PreparedReference,
  opts: ResolvedOptions,
  eps: number,
  workspace: CorrelationWorkspace,
): PhaseCrossCorrelationResult {
  const shape = reference.shape;
  const size = sizeOf(shape);
  const spectral = halfShape(shape);
  const hsize = sizeOf(spectral);
  const h = spectral[spectral.length - 1]!;
  const n = shape[shape.length - 1]!;
  const a = new HeapBuffer(2 * hsize);
  const b = new HeapBuffer(2 * hsize);
  try {
    if (isPreparedReference(reference)) a.view.set(reference.spectrum);
    else rfftn(reference.data, shape, a);
    if (isPreparedReference(moving)) b.view.set(moving.spectrum);
    else rfftn(moving.data, shape, b);
    const { srcAmp, tgtAmp } = crossPowerSpectrum({
      a: a.view,
      b: b.view,
      bins: h,
      rows: hsize / h,
      n,
      normalization: opts.normalization,
      eps,
      regularization: opts.regularization,
    });
    if (!Number.isFinite(srcAmp) && !isPreparedReference(reference)) assertFinite(reference, 'reference');
    if (!Number.isFinite(tgtAmp) && !isPreparedReference(moving)) assertFinite(moving, 'moving');
    const cc = workspace.surface.take(size);
    const best = irfftn(b, shape, cc);
    const coarse: Peak = { index: unravel(best, shape), value: [cc[best]! / size, 0] };
    let ratio: number | undefined;
    if (opts.returnPeakRatio) {
      if (opts.normalization === 'phase') {
        ratio = peakRatio(cc, shape, best);
      } else {
        // The ratio is defined on the phase-normalised surface (a plain one is too broad).
        const pa2 = a.view;
        const pb2 = b.view;
        for (let i = 0; i < 2 * hsize; i += 2) {
          const mag = Math.max(Math.sqrt(pa2[i]! * pa2[i]! + pa2[i + 1]! * pa2[i + 1]!), eps);
          pb2[i] = pa2[i]! / mag;
          pb2[i + 1] = pa2[i + 1]! / mag;
        }
        const surface = new Float32Array(size);
        const peak = irfftn(b, shape, surface);
        ratio = peakRatio(surface, shape, peak);
      }
    }
    const result = refinePeak(coarse, {
      shape,
      options: opts,
      sourceAmplitude: srcAmp,
      targetAmplitude: tgtAmp,
      size,
      upsampled: (start, points, upsample) =>
        upsampledDftHalf(a, shape, { points, upsample, start }, workspace.upsampled),
      surface: cc,
    });
    return ratio === undefined ? result : { ...result, peakRatio: ratio };
  } finally {
    a.free();
    b.free();
  }
}
