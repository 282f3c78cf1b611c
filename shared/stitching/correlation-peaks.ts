import { crossPowerSpectrum } from '../registration/cross-power-spectrum.js';
import { halfShape, irfftn, rfftn } from '../registration/fft/fftn.js';
import { HeapBuffer } from '../registration/fft/pffft-module.js';

/** A local maximum of the correlation surface: b's window sits at (tx, ty) in a's, modulo the size. */
export interface CorrelationPeak {
  /** Column of the peak in [0, width). */
  readonly tx: number;
  /** Row of the peak in [0, height). */
  readonly ty: number;
  /** Surface value (phase correlation, 1 for a perfect match of the whole window). */
  readonly value: number;
}

/**
 * The `count` highest local maxima (over their 8 neighbours, periodically) of the phase
 * correlation of two equally sized windows, highest first, then those of the surface smoothed by a
 * 3x3 box that are not among them (a peak of noisy, low-texture windows is spread over a few
 * pixels and may not stand out from the noise as a single pixel). A peak at (tx, ty) means
 * a(x + tx, y + ty) ~ b(x, y) with both coordinates taken modulo the window size: each peak stands
 * for several offsets (tx or tx - width, ty or ty - height), to be told apart by the caller
 * (MIST's interpretations, BigStitcher's top-n peaks).
 *
 * @param a window of tile i, row-major height x width, float32
 * @param b window of tile j, same size
 */
export function correlationPeaks(
  a: Float32Array,
  b: Float32Array,
  width: number,
  height: number,
  count: number,
): CorrelationPeak[] {
  const shape = [height, width];
  let hsize = 1;
  for (const s of halfShape(shape)) hsize *= s;
  const fa = new HeapBuffer(2 * hsize);
  const fb = new HeapBuffer(2 * hsize);
  try {
    rfftn(a, shape, fa);
    rfftn(b, shape, fb);
    const h = Math.floor(width / 2) + 1;
    crossPowerSpectrum({
      a: fa.view,
      b: fb.view,
      bins: h,
      rows: hsize / h,
      n: width,
      normalization: 'phase',
      eps: 1e-5,
      regularization: 0,
    });
    const surface = new Float32Array(width * height);
    irfftn(fb, shape, surface);
    const scale = 1 / (width * height);
    const sharp = topPeaks(surface, width, height, count, scale);
    const broad = topPeaks(boxSum(surface, width, height), width, height, count, scale / 9);
    return [...sharp, ...broad.filter((p) => !sharp.some((q) => q.tx === p.tx && q.ty === p.ty))];
  } finally {
    fa.free();
    fb.free();
  }
}

function topPeaks(s: Float32Array, w: number, h: number, count: number, scale: number): CorrelationPeak[] {
  const best: CorrelationPeak[] = [];
  let floor = -Infinity;
  for (let y = 0; y < h; y++) {
    const up = ((y + h - 1) % h) * w;
    const row = y * w;
    const down = ((y + 1) % h) * w;
    for (let x = 0; x < w; x++) {
      const v = s[row + x]!;
      if (v <= floor && best.length === count) continue;
      const l = x === 0 ? w - 1 : x - 1;
      const r = x === w - 1 ? 0 : x + 1;
      if (
        v < s[row + l]! ||
        v < s[row + r]! ||
        v < s[up + x]! ||
        v < s[down + x]! ||
        v < s[up + l]! ||
        v < s[up + r]! ||
        v < s[down + l]! ||
        v < s[down + r]!
      ) {
        continue;
      }
      best.push({ tx: x, ty: y, value: v * scale });
      best.sort((p, q) => q.value - p.value);
      if (best.length > count) best.pop();
      if (best.length === count) floor = best[count - 1]!.value / scale;
    }
  }
  return best;
}

/**
 * The periodic 3x3 box sum of the surface: a true peak of noisy, low-texture windows spreads over
 * its neighbours (sub-pixel offset, blur) while noise peaks are single pixels.
 */
function boxSum(s: Float32Array, w: number, h: number): Float32Array {
  const rows = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) {
      rows[o + x] = s[o + (x === 0 ? w - 1 : x - 1)]! + s[o + x]! + s[o + (x === w - 1 ? 0 : x + 1)]!;
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const up = ((y + h - 1) % h) * w;
    const down = ((y + 1) % h) * w;
    const o = y * w;
    for (let x = 0; x < w; x++) out[o + x] = rows[up + x]! + rows[o + x]! + rows[down + x]!;
  }
  return out;
}
