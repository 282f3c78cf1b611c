import type { NdArray } from '../ndarray/ndarray.js';

/**
 * Zero-normalised cross-correlation of two tiles over the rectangle they share when tile `b`'s
 * top-left corner sits at integer offset (dx, dy) from tile `a`'s (MIST's
 * `computeCrossCorrelation`): Pearson's r of the pixel pairs, in [-1, 1].
 *
 * Returns NaN when fewer than `minPixels` pixels overlap or one side is constant there.
 *
 * @param a tile, shape [height, width]
 * @param b tile, shape [height, width] (any height and width: tiles may differ)
 */
export function overlapNcc(a: NdArray, b: NdArray, dx: number, dy: number, minPixels = 2): number {
  const [ha, wa] = a.shape as [number, number];
  const [hb, wb] = b.shape as [number, number];
  const x0 = Math.max(0, dx);
  const x1 = Math.min(wa, dx + wb);
  const y0 = Math.max(0, dy);
  const y1 = Math.min(ha, dy + hb);
  const w = x1 - x0;
  const h = y1 - y0;
  if (w <= 0 || h <= 0 || w * h < minPixels) return Number.NaN;
  const da = a.data;
  const db = b.data;
  // Sums about one pixel of each side: no cancellation on 16-bit values with a large offset.
  const ca = da[y0 * wa + x0]!;
  const cb = db[(y0 - dy) * wb + (x0 - dx)]!;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let y = y0; y < y1; y++) {
    let ia = y * wa + x0;
    let ib = (y - dy) * wb + (x0 - dx);
    const end = ia + w;
    for (; ia < end; ia++, ib++) {
      const va = da[ia]! - ca;
      const vb = db[ib]! - cb;
      sa += va;
      sb += vb;
      saa += va * va;
      sbb += vb * vb;
      sab += va * vb;
    }
  }
  const n = w * h;
  const cov = sab - (sa * sb) / n;
  const va = saa - (sa * sa) / n;
  const vb = sbb - (sb * sb) / n;
  if (!(va > 0 && vb > 0)) return Number.NaN;
  return Math.max(-1, Math.min(1, cov / Math.sqrt(va * vb)));
}

/** Pixels shared by two tiles at offset (dx, dy). */
export function overlapPixels(a: NdArray, b: NdArray, dx: number, dy: number): number {
  const [ha, wa] = a.shape as [number, number];
  const [hb, wb] = b.shape as [number, number];
  const w = Math.min(wa, dx + wb) - Math.max(0, dx);
  const h = Math.min(ha, dy + hb) - Math.max(0, dy);
  return w > 0 && h > 0 ? w * h : 0;
}
