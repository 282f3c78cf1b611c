import type { NdArray } from '../shared/ndarray/ndarray.js';
import { seededUniform } from '../shared/random/seeded.js';

/**
 * A large image with real texture everywhere, computed region by region (never held whole): a
 * lattice of square patches cut from real images, each with its own crop, orientation and gain,
 * cross-faded over their overlaps with weights that sum to 1. The bench cuts its mosaics' tiles
 * from it: no repository image is large enough for a 10 x 10 grid of 1024-pixel tiles.
 */
export interface Patchwork {
  readonly sources: readonly NdArray[];
  /** Patch side, pixels. @default 320 */
  readonly patch?: number;
  /** Distance between patch origins, pixels (patch - stride is the cross-fade). @default 256 */
  readonly stride?: number;
  readonly seed: number;
}

/** The patchwork's pixels in [x0, x0 + w) x [y0, y0 + h), float32, values about 1000-50000. */
export function patchworkRegion(p: Patchwork, x0: number, y0: number, w: number, h: number): Float32Array {
  const q = p.patch ?? 320;
  const s = p.stride ?? 256;
  const fade = q - s;
  const weight = new Float64Array(q);
  for (let t = 0; t < q; t++) {
    weight[t] =
      t < fade
        ? Math.sin(((t + 0.5) / fade) * (Math.PI / 2)) ** 2
        : t >= s
          ? Math.cos(((t - s + 0.5) / fade) * (Math.PI / 2)) ** 2
          : 1;
  }
  const out = new Float32Array(w * h);
  const first = (v: number) => Math.floor((v - q) / s) + 1;
  for (let pj = first(y0); pj * s < y0 + h; pj++) {
    for (let pi = first(x0); pi * s < x0 + w; pi++) {
      const look = patchLook(p, pi, pj, q);
      const src = p.sources[look.source]!;
      const sw = src.shape[1]!;
      const ys = Math.max(y0, pj * s);
      const ye = Math.min(y0 + h, pj * s + q);
      const xs = Math.max(x0, pi * s);
      const xe = Math.min(x0 + w, pi * s + q);
      for (let y = ys; y < ye; y++) {
        const v = y - pj * s;
        const wy = weight[v]!;
        for (let x = xs; x < xe; x++) {
          const u = x - pi * s;
          let a = look.transpose ? v : u;
          let b = look.transpose ? u : v;
          if (look.flipX) a = q - 1 - a;
          if (look.flipY) b = q - 1 - b;
          const value = src.data[(look.cy + b) * sw + look.cx + a]!;
          out[(y - y0) * w + (x - x0)]! += wy * weight[u]! * (look.offset + look.gain * value);
        }
      }
    }
  }
  return out;
}

interface Look {
  source: number;
  cx: number;
  cy: number;
  flipX: boolean;
  flipY: boolean;
  transpose: boolean;
  gain: number;
  offset: number;
}

/** A patch's crop, orientation and gain, from its lattice indices (the same every time). */
function patchLook(p: Patchwork, pi: number, pj: number, q: number): Look {
  const state =
    (Math.imul(pi + 1013, 73856093) ^ Math.imul(pj + 7919, 19349663) ^ Math.imul(p.seed, 83492791)) >>> 0;
  const random = seededUniform(state);
  const source = Math.floor(random() * p.sources.length);
  const [sh, sw] = p.sources[source]!.shape as [number, number];
  const scale = SCALE.get(p.sources[source]!) ?? rangeOf(p.sources[source]!);
  const gain = (0.6 + 0.8 * random()) * scale.gain;
  return {
    source,
    cx: Math.floor(random() * (sw - q + 1)),
    cy: Math.floor(random() * (sh - q + 1)),
    flipX: random() < 0.5,
    flipY: random() < 0.5,
    transpose: random() < 0.5,
    gain,
    offset: 1000 + 4000 * random() - gain * scale.lo,
  };
}

const SCALE = new WeakMap<NdArray, { lo: number; gain: number }>();

/** Maps a source's 1st-99th percentile range onto about 40000 grey levels. */
function rangeOf(src: NdArray): { lo: number; gain: number } {
  const sorted = Float32Array.from(src.data).sort();
  const lo = sorted[Math.floor(0.01 * sorted.length)]!;
  const hi = sorted[Math.floor(0.99 * sorted.length)]!;
  const scale = { lo, gain: 40000 / Math.max(1, hi - lo) };
  SCALE.set(src, scale);
  return scale;
}
