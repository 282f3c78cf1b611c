import { pixelSizeUm, type PixelSize } from '../imaging/pixel-size.js';

/**
 * A shift (or drift) in micrometres, axis by axis: `shift[a]` pixels times the pixel size along
 * axis a (axis order (z,) y, x). Null when the image has no physical size; an element is null
 * when its axis has none (z of a stack without a z spacing).
 */
export function shiftUm(shift: readonly number[] | null, size: PixelSize | null): (number | null)[] | null {
  if (shift === null || size === null) return null;
  const um = pixelSizeUm(size, shift.length);
  return shift.map((s, a) => {
    const u = um[a];
    return u === null || u === undefined ? null : s * u;
  });
}

/**
 * A length in pixels (a residual's norm) in micrometres. Only where pixels are square (2D) or
 * cubes (3D) is a pixel distance one length: otherwise null rather than a guess.
 */
export function lengthUm(pixels: number | null, size: PixelSize | null, ndim: number): number | null {
  if (pixels === null || size === null) return null;
  const um = pixelSizeUm(size, ndim);
  const first = um[0];
  if (first === null || first === undefined) return null;
  const isotropic = um.every((u) => u !== null && Math.abs(u - first) <= 1e-6 * first);
  return isotropic ? pixels * first : null;
}
