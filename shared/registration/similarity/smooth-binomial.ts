/**
 * Smooths a 2D float image in place by the binomial kernel [1 4 6 4 1] / 16 along each axis (the
 * [1 2 1] / 4 filter twice, close to a Gaussian of sigma 1), edges repeated. A cheap low-pass that
 * keeps the direct alignment's gradients from being dominated by pixel noise.
 */
export function smoothBinomial(data: Float64Array, width: number, height: number): void {
  const line = new Float64Array(Math.max(width, height) + 4);
  const pass = (count: number, length: number, stride: number, step: number): void => {
    for (let l = 0; l < count; l++) {
      const base = l * stride;
      for (let i = 0; i < length; i++) line[i + 2] = data[base + i * step]!;
      line[0] = line[1] = line[2]!;
      line[length + 2] = line[length + 3] = line[length + 1]!;
      for (let i = 0; i < length; i++) {
        data[base + i * step] =
          (line[i]! + 4 * line[i + 1]! + 6 * line[i + 2]! + 4 * line[i + 3]! + line[i + 4]!) / 16;
      }
    }
  };
  pass(height, width, width, 1);
  pass(width, height, 1, width);
}
