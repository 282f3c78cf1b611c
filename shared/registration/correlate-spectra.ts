import { sizeOf } from '../ndarray/ndarray.js';
import type { ComplexNdArray } from './complex-ndarray.js';
import type { CorrelationWorkspace } from './correlation-workspace.js';
import { fftnInPlace } from './fft/fftn.js';
import { HeapBuffer } from './fft/pffft-module.js';
import type { ResolvedOptions } from './phase-cross-correlation-options.js';
import { refinePeak, unravel, type Peak, type PhaseCrossCorrelationResult } from './refine-peak.js';
import { upsampledDftFull } from './upsampled-dft.js';
import { assertFinite } from './validate-input.js';

/** Phase correlation of two full complex spectra (`space: 'fourier'`). */
export function correlateSpectra(
  reference: ComplexNdArray,
  moving: ComplexNdArray,
  opts: ResolvedOptions,
  eps: number,
  workspace: CorrelationWorkspace,
): PhaseCrossCorrelationResult {
  const shape = reference.shape;
  const size = sizeOf(shape);
  const product = new Float64Array(2 * size);
  const buffer = new HeapBuffer(2 * size);
  try {
    const fa = reference.data;
    const fb = moving.data;
    let srcAmp = 0;
    let tgtAmp = 0;
    for (let i = 0; i < size; i++) {
      const ar = fa[2 * i]!;
      const ai = fa[2 * i + 1]!;
      const br = fb[2 * i]!;
      const bi = fb[2 * i + 1]!;
      srcAmp += ar * ar + ai * ai;
      tgtAmp += br * br + bi * bi;
      let pr = ar * br + ai * bi;
      let pi = ai * br - ar * bi;
      if (opts.normalization === 'phase') {
        const mag = Math.max(Math.sqrt(pr * pr + pi * pi), eps);
        const r = opts.regularization;
        const div = r === 0 ? mag : ((mag + r) * (mag + r)) / mag;
        pr /= div;
        pi /= div;
      }
      product[2 * i] = pr;
      product[2 * i + 1] = pi;
    }
    if (!Number.isFinite(srcAmp)) assertFinite(reference, 'reference');
    if (!Number.isFinite(tgtAmp)) assertFinite(moving, 'moving');
    buffer.view.set(product);
    fftnInPlace(buffer, shape, 'backward');
    const cc = buffer.view;
    let best = 0;
    let bestAbs = -1;
    for (let i = 0; i < size; i++) {
      const v = cc[2 * i]! * cc[2 * i]! + cc[2 * i + 1]! * cc[2 * i + 1]!;
      if (v > bestAbs) {
        bestAbs = v;
        best = i;
      }
    }
    const coarse: Peak = {
      index: unravel(best, shape),
      value: [cc[2 * best]! / size, cc[2 * best + 1]! / size],
    };
    return refinePeak(coarse, {
      shape,
      options: opts,
      sourceAmplitude: srcAmp,
      targetAmplitude: tgtAmp,
      size,
      upsampled: (start, points, upsample) =>
        upsampledDftFull(product, shape, { points, upsample, start }, workspace.upsampled),
    });
  } finally {
    buffer.free();
  }
}
