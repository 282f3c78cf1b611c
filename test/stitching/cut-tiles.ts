import type { NdArray } from '../../shared/ndarray/ndarray.js';
import { seededGaussian } from '../../shared/random/seeded.js';

/**
 * Tiles cut from a real image at whole-pixel positions (the truth), each with its own Gaussian
 * noise of standard deviation `noise` (in grey levels), as a microscope records overlapping fields.
 */
export function cutTiles(
  canvas: NdArray,
  positions: readonly { x: number; y: number }[],
  width: number,
  height: number,
  noise: number,
  seed = 7,
): NdArray<Uint16Array>[] {
  const gauss = seededGaussian(seed);
  const [ch, cw] = canvas.shape as [number, number];
  return positions.map((p) => {
    if (p.x < 0 || p.y < 0 || p.x + width > cw || p.y + height > ch) {
      throw new RangeError(`tile at (${p.x}, ${p.y}) leaves the ${cw}x${ch} image`);
    }
    const data = new Uint16Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = canvas.data[(p.y + y) * cw + p.x + x]! + noise * gauss();
        data[y * width + x] = Math.max(0, Math.min(65535, Math.round(v)));
      }
    }
    return { data, shape: [height, width] };
  });
}
