import { irfftn, rfftn } from '../fft/fftn.js';
import { HeapBuffer } from '../fft/pffft-module.js';
import { crossPowerSpectrum } from '../cross-power-spectrum.js';
import { logStep, type LogPolarGrid } from './log-polar-spectrum.js';

/** A rotation and scale read from a peak of the log-polar phase correlation. */
export interface AngleScale {
  /** Degrees, in [-90, 90): the 180-degree twin is as likely until the translation is measured. */
  readonly angle: number;
  /** Of the matrix (moving -> reference): above 1 the reference shows the content larger. */
  readonly scale: number;
  /** Height of the phase-correlation peak (1 for identical signatures). */
  readonly strength: number;
}

/**
 * Phase correlation of the log-polar signatures of the reference and moving images: the peaks, in
 * decreasing height, within the scale range, as rotation and scale of the matrix. Each peak is
 * refined to a fraction of a cell by a parabola through it and its neighbours along each axis.
 * Along the radii (not periodic) both signatures are tapered by a Hann window first.
 *
 * @param count how many distinct peaks to return (local maxima of the surface)
 */
export function angleScalePeaks(
  reference: Float32Array,
  moving: Float32Array,
  grid: LogPolarGrid,
  scaleRange: readonly [number, number],
  count: number,
): AngleScale[] {
  const { angles, radii } = grid;
  const h = (radii >> 1) + 1;
  const a = new HeapBuffer(2 * h * angles);
  const b = new HeapBuffer(2 * h * angles);
  const surface = new Float32Array(angles * radii);
  try {
    rfftn(taper(reference, angles, radii), [angles, radii], a);
    rfftn(taper(moving, angles, radii), [angles, radii], b);
    crossPowerSpectrum({
      a: a.view,
      b: b.view,
      bins: h,
      rows: angles,
      n: radii,
      normalization: 'phase',
      eps: 1e-12,
      regularization: 0,
    });
    irfftn(b, [angles, radii], surface);
  } finally {
    a.free();
    b.free();
  }
  const step = logStep(grid);
  // The surface peaks at the moving signature's offset from the reference's, negated.
  // One column of slack each side, so that a range of [1, 1] (rigid) still finds its peak.
  const lo = Math.floor(-Math.log(scaleRange[1]) / step) - 1;
  const hi = Math.ceil(-Math.log(scaleRange[0]) / step) + 1;
  const peaks: { row: number; col: number; value: number }[] = [];
  const at = (row: number, col: number): number =>
    surface[(((row % angles) + angles) % angles) * radii + (((col % radii) + radii) % radii)]!;
  for (let row = 0; row < angles; row++) {
    for (let col = lo; col <= hi; col++) {
      const v = at(row, col);
      if (v <= 0) continue;
      let isMax = true;
      for (let dr = -1; dr <= 1 && isMax; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          if ((dr !== 0 || dc !== 0) && at(row + dr, col + dc) > v) {
            isMax = false;
            break;
          }
        }
      }
      if (isMax) peaks.push({ row, col, value: v });
    }
  }
  peaks.sort((p, q) => q.value - p.value);
  const size = angles * radii;
  return peaks.slice(0, count).map(({ row, col, value }) => {
    const dr = row + parabola(at(row - 1, col), value, at(row + 1, col));
    const dc = col + parabola(at(row, col - 1), value, at(row, col + 1));
    const angle = wrapHalfTurn((dr * 180) / angles);
    return { angle, scale: Math.exp(-dc * step), strength: value / size };
  });
}

/** Vertex offset, in (-0.5, 0.5), of the parabola through three equally spaced values around a maximum. */
function parabola(left: number, centre: number, right: number): number {
  const d = left - 2 * centre + right;
  if (d >= 0) return 0;
  return Math.max(-0.5, Math.min(0.5, (0.5 * (left - right)) / d));
}

/** An angle in degrees wrapped to [-90, 90). */
export function wrapHalfTurn(angle: number): number {
  return angle - 180 * Math.floor((angle + 90) / 180);
}

/** The signature minus its mean, times a Hann window along the radii. */
function taper(signature: Float32Array, angles: number, radii: number): Float32Array {
  let mean = 0;
  for (const v of signature) mean += v;
  mean /= signature.length;
  const out = new Float32Array(signature.length);
  for (let k = 0; k < radii; k++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * (k + 0.5)) / radii);
    for (let r = 0; r < angles; r++) out[r * radii + k] = (signature[r * radii + k]! - mean) * w;
  }
  return out;
}
