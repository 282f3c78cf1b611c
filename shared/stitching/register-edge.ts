import type { NdArray } from '../ndarray/ndarray.js';
import { nextPffftSize } from '../registration/fft/fft-sizes.js';
import { correlationPeaks } from './correlation-peaks.js';
import { edgeWindows } from './edge-windows.js';
import { overlapArea, type TilePair } from './neighbour-pairs.js';
import { overlapNcc, overlapPixels } from './overlap-ncc.js';
import { windowCrop } from './window-crop.js';

export interface RegisterEdgeOptions {
  /** Largest deviation from the nominal offset searched along x, pixels. */
  readonly marginX: number;
  /** Largest deviation from the nominal offset searched along y, pixels. */
  readonly marginY: number;
  /** Correlation peaks verified by NCC (BigStitcher's "peaks to check"). @default 5 */
  readonly peaks?: number;
  /** Tukey taper of the windows, fraction (0 none, 1 Hann). @default 0.1 */
  readonly taper?: number;
  /**
   * Smallest overlap a candidate offset may leave, as a fraction of the nominal overlap: an NCC
   * over a sliver of pixels proves nothing.
   * @default 0.25
   */
  readonly minOverlap?: number;
  /** Best candidates refined by hill climbing on the NCC (MIST's translation refinement). @default 3 */
  readonly climbs?: number;
}

/** The measured offset of one pair, or NaN offsets and NCC when no candidate was valid. */
export interface EdgeMeasurement {
  readonly i: number;
  readonly j: number;
  /** Measured offset of tile j's top-left corner from tile i's, pixels (sub-pixel). */
  readonly dx: number;
  readonly dy: number;
  /** NCC over the overlap at the whole-pixel offset found, in [-1, 1]. */
  readonly ncc: number;
  /** Best NCC among the other candidates more than 2 px away (ambiguity of repetitive content). */
  readonly runnerUp: number;
  /** Overlap at the offset found, pixels. */
  readonly overlap: number;
}

/**
 * Registers two neighbouring tiles on their expected overlap. Windows of the nominal overlap plus a
 * margin are phase-correlated; each of the highest peaks stands for up to four offsets (the
 * surface is periodic: tx or tx - width, ty or ty - height), and each offset within the margin of
 * the nominal one is scored by the NCC of the tiles over the overlap it implies (MIST's
 * interpretations, BigStitcher's top-n peaks). The best whole-pixel offset is refined to sub-pixel
 * by a parabola through the NCC of its four neighbours. Wrap-around cannot produce an offset
 * outside the margin.
 *
 * @param a tile i, shape [height, width]
 * @param b tile j, same shape
 */
export function registerEdge(
  a: NdArray,
  b: NdArray,
  pair: TilePair,
  options: RegisterEdgeOptions,
): EdgeMeasurement {
  const { marginX, marginY, peaks = 5, taper = 0.1, minOverlap = 0.25, climbs = 3 } = options;
  const [height, width] = a.shape as [number, number];
  const win = edgeWindows(pair, width, height, marginX, marginY);
  const none = { i: pair.i, j: pair.j, dx: NaN, dy: NaN, ncc: NaN, runnerUp: NaN, overlap: 0 };
  if (win.x.length < 2 || win.y.length < 2) return none;
  const pw = nextPffftSize(win.x.length, 'real');
  const ph = nextPffftSize(win.y.length, 'complex');
  const [w, h] = [win.x.length, win.y.length];
  const wa = windowCrop(a, { x0: win.x.startI, y0: win.y.startI, w, h }, [ph, pw], taper);
  const wb = windowCrop(b, { x0: win.x.startJ, y0: win.y.startJ, w, h }, [ph, pw], taper);
  const found = correlationPeaks(wa, wb, pw, ph, peaks);
  const nx = Math.round(pair.dx);
  const ny = Math.round(pair.dy);
  const minPixels = Math.max(16, minOverlap * overlapArea(pair, width, height));
  const scored: { dx: number; dy: number; ncc: number }[] = [];
  const seen = new Set<number>();
  for (const p of found) {
    for (const tx of [p.tx, p.tx - pw]) {
      const dx = win.x.startI + tx - win.x.startJ;
      if (Math.abs(dx - nx) > marginX) continue;
      for (const ty of [p.ty, p.ty - ph]) {
        const dy = win.y.startI + ty - win.y.startJ;
        if (Math.abs(dy - ny) > marginY) continue;
        const key = (dy + 65536) * 131072 + (dx + 65536);
        if (seen.has(key)) continue;
        seen.add(key);
        if (overlapPixels(a, b, dx, dy) < minPixels) continue;
        const ncc = overlapNcc(a, b, dx, dy);
        if (Number.isFinite(ncc)) scored.push({ dx, dy, ncc });
      }
    }
  }
  if (scored.length === 0) return none;
  scored.sort((p, q) => q.ncc - p.ncc);
  // A peak may sit a pixel or two off the NCC's maximum (blur, noise): climb from the best few.
  const inBounds = (dx: number, dy: number): boolean =>
    Math.abs(dx - nx) <= marginX && Math.abs(dy - ny) <= marginY && overlapPixels(a, b, dx, dy) >= minPixels;
  const climbed = scored.slice(0, climbs).map((s) => hillClimb(a, b, s, inBounds));
  climbed.push(...scored.slice(climbs));
  climbed.sort((p, q) => q.ncc - p.ncc);
  const best = climbed[0]!;
  const other = climbed.find((s) => Math.max(Math.abs(s.dx - best.dx), Math.abs(s.dy - best.dy)) > 2);
  const at = (dx: number, dy: number): number => overlapNcc(a, b, dx, dy, minPixels);
  const fx = vertex(at(best.dx - 1, best.dy), best.ncc, at(best.dx + 1, best.dy));
  const fy = vertex(at(best.dx, best.dy - 1), best.ncc, at(best.dx, best.dy + 1));
  return {
    i: pair.i,
    j: pair.j,
    dx: best.dx + fx,
    dy: best.dy + fy,
    ncc: best.ncc,
    runnerUp: other?.ncc ?? NaN,
    overlap: overlapPixels(a, b, best.dx, best.dy),
  };
}

/** Offset in [-0.5, 0.5] of the vertex of the parabola through (-1, l), (0, c), (1, r). */
function vertex(l: number, c: number, r: number): number {
  if (!Number.isFinite(l) || !Number.isFinite(r)) return 0;
  const curvature = l - 2 * c + r;
  if (!(curvature < 0)) return 0;
  return Math.max(-0.5, Math.min(0.5, (l - r) / (2 * curvature)));
}

/** MIST's single hill climb: step to the best of the 4 neighbours while the NCC increases. */
function hillClimb(
  a: NdArray,
  b: NdArray,
  start: { dx: number; dy: number; ncc: number },
  allowed: (dx: number, dy: number) => boolean,
): { dx: number; dy: number; ncc: number } {
  let cur = start;
  for (let step = 0; step < 64; step++) {
    let next = cur;
    for (const [sx, sy] of [
      [1, 0],
      [-1, 0],
      [0, 1],
      [0, -1],
    ] as const) {
      const dx = cur.dx + sx;
      const dy = cur.dy + sy;
      if (!allowed(dx, dy)) continue;
      const ncc = overlapNcc(a, b, dx, dy);
      if (ncc > next.ncc) next = { dx, dy, ncc };
    }
    if (next === cur) return cur;
    cur = next;
  }
  return cur;
}
