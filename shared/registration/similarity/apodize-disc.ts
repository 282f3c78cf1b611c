import type { NdArray } from '../../ndarray/ndarray.js';

/**
 * A 2D image times a disc window, after removing its windowed mean: 1 inside 70 % of the inscribed
 * circle's radius, a raised-cosine taper to 0 at the circle, 0 beyond. A disc turns with the
 * content, so it adds no fixed (unrotated) edges to the spectrum, which would pull the
 * Fourier-Mellin peak toward no rotation and no scale; without the mean, the window's own spectrum
 * stays out of the low frequencies too.
 */
export function apodizeDisc(image: NdArray, flat = 0.7): Float64Array {
  const [height, width] = image.shape as [number, number];
  const { data } = image;
  const cy = (height - 1) / 2;
  const cx = (width - 1) / 2;
  const radius = Math.min(height, width) / 2;
  const inner = radius * flat;
  const window = new Float64Array(height * width);
  let sum = 0;
  let weight = 0;
  for (let y = 0; y < height; y++) {
    const dy = y - cy;
    for (let x = 0; x < width; x++) {
      const dx = x - cx;
      const r = Math.sqrt(dx * dx + dy * dy);
      const w =
        r <= inner ? 1 : r >= radius ? 0 : 0.5 + 0.5 * Math.cos((Math.PI * (r - inner)) / (radius - inner));
      const i = y * width + x;
      window[i] = w;
      sum += w * data[i]!;
      weight += w;
    }
  }
  const mean = weight > 0 ? sum / weight : 0;
  for (let i = 0; i < window.length; i++) window[i] = window[i]! * (data[i]! - mean);
  return window;
}
