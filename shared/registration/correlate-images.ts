import { sizeOf, type NdArray } from '../imaging/ndarray.js';
import { halfShape, irfftn, rfftn } from './fft/fftn.js';
import { HeapBuffer } from './fft/pffft-module.js';
import type { ResolvedOptions } from './phase-cross-correlation-options.js';
import { peakRatio } from './peak-ratio.js';
import { isPreparedReference, type PreparedReference } from './prepared-reference.js';
import { finish, unravel, type Peak, type PhaseCrossCorrelationResult } from './refine-peak.js';
import { upsampledDftHalf } from './upsampled-dft.js';
import { assertFinite } from './validate-input.js';

/**
 * Phase correlation of two real images (or a prepared reference and an image) through real FFTs:
 * frequency-major half spectra, cross-power spectrum, inverse real FFT, integer peak, then the
 * refinement of `finish`.
 */
export function correlateImages(
  reference: NdArray | PreparedReference,
  moving: NdArray,
  opts: ResolvedOptions,
  eps: number,
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
    rfftn(moving.data, shape, b);
    const pa = a.view;
    const pb = b.view;
    // Cross-power spectrum P = A conj(B) into a, a copy into b for the inverse transform.
    let srcAmp = 0;
    let tgtAmp = 0;
    const rows = hsize / h;
    const phase = opts.normalization === 'phase';
    // Frequency-major half spectrum: element (x, row) at x * rows + row.
    for (let x = 0; x < h; x++) {
      let sa = 0;
      let ta = 0;
      const end = 2 * (x + 1) * rows;
      for (let i = 2 * x * rows; i < end; i += 2) {
        const ar = pa[i]!;
        const ai = pa[i + 1]!;
        const br = pb[i]!;
        const bi = pb[i + 1]!;
        sa += ar * ar + ai * ai;
        ta += br * br + bi * bi;
        let pr = ar * br + ai * bi;
        let pi = ai * br - ar * bi;
        if (phase) {
          const inv = 1 / Math.max(Math.sqrt(pr * pr + pi * pi), eps);
          pr *= inv;
          pi *= inv;
        }
        pa[i] = pb[i] = pr;
        pa[i + 1] = pb[i + 1] = pi;
      }
      // Energy of the full spectrum from its half: interior columns stand for two.
      const w = x === 0 || (n % 2 === 0 && x === h - 1) ? 1 : 2;
      srcAmp += w * sa;
      tgtAmp += w * ta;
    }
    if (!Number.isFinite(srcAmp) && !isPreparedReference(reference)) assertFinite(reference, 'reference');
    if (!Number.isFinite(tgtAmp)) assertFinite(moving, 'moving');
    const cc = surfaceBuffer(size);
    irfftn(b, shape, cc);
    let best = 0;
    let bestAbs = -1;
    for (let i = 0; i < size; i++) {
      const v = Math.abs(cc[i]!);
      if (v > bestAbs) {
        bestAbs = v;
        best = i;
      }
    }
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
        irfftn(b, shape, surface);
        let peak = 0;
        for (let i = 1; i < size; i++) if (Math.abs(surface[i]!) > Math.abs(surface[peak]!)) peak = i;
        ratio = peakRatio(surface, shape, peak);
      }
    }
    const result = finish(
      coarse,
      shape,
      opts,
      srcAmp,
      tgtAmp,
      size,
      (start, points, upsample) => {
        return upsampledDftHalf(a, shape, { points, upsample, start });
      },
      cc,
    );
    return ratio === undefined ? result : { ...result, peakRatio: ratio };
  } finally {
    a.free();
    b.free();
  }
}

let reusedSurface: Float32Array | undefined;

/**
 * The real correlation surface's buffer, reused from call to call (one per thread: a 3D stack's
 * surface is 16 MiB, and allocating it anew each time costs page faults and garbage collections).
 * Nothing keeps it past the call that fills it.
 */
function surfaceBuffer(size: number): Float32Array {
  if (reusedSurface?.length !== size) reusedSurface = new Float32Array(size);
  return reusedSurface;
}
