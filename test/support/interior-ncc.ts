/**
 * Pearson correlation of two images of one size (row-major, `width` x `height`), over the box
 * `margin` pixels inside the borders, where a shift brings in no content.
 */
export function interiorNcc(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  size: { width: number; height: number; margin: number },
): number {
  const { width: w, height: h, margin: m } = size;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = m; y < h - m; y++)
    for (let x = m; x < w - m; x++) {
      xs.push(a[y * w + x]!);
      ys.push(b[y * w + x]!);
    }
  const mean = (v: number[]) => v.reduce((s, t) => s + t, 0) / v.length;
  const [ma, mb] = [mean(xs), mean(ys)];
  let [sab, saa, sbb] = [0, 0, 0];
  xs.forEach((v, i) => {
    const [da, db] = [v - ma, ys[i]! - mb];
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  });
  return sab / Math.sqrt(saa * sbb);
}
