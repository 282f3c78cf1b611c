/**
 * Boundary modes of `interpolatedShift`, named and behaving as in `scipy.ndimage` (1.6 and later):
 * - `constant`: outside [0, n-1] the output is `cval`; inside, spline coefficients beyond the edge are
 *   taken mirror-symmetric (no interpolation with `cval`).
 * - `nearest`: the edge sample repeats (`a a | a b c d | d d`).
 * - `reflect`: half-sample symmetric (`b a | a b c d | d c`).
 * - `mirror`: whole-sample symmetric (`c b | a b c d | c b`).
 * - `wrap`: SciPy's historical 'wrap', periodic with period n-1 (first and last samples overlap).
 * - `grid-wrap`: truly periodic with period n (what a circular shift means).
 */
export type ShiftMode = 'constant' | 'nearest' | 'reflect' | 'mirror' | 'wrap' | 'grid-wrap';

/**
 * Maps a coordinate outside [0, len-1] back inside, as `map_coordinate` in scipy's
 * `ni_interpolation.c` does; returns -1 for `constant` (meaning: use cval). Coordinates already inside
 * are returned unchanged. Integer division truncates toward zero, as in C.
 */
export function mapCoordinate(x: number, len: number, mode: ShiftMode): number {
  if (x < 0) {
    switch (mode) {
      case 'mirror': {
        if (len <= 1) return 0;
        const sz2 = 2 * len - 2;
        const y = sz2 * Math.trunc(-x / sz2) + x;
        return y <= 1 - len ? y + sz2 : -y;
      }
      case 'reflect': {
        if (len <= 1) return 0;
        const sz2 = 2 * len;
        let y = x;
        if (y < -sz2) y = sz2 * Math.trunc(-y / sz2) + y;
        // scipy guards against -y - 1 rounding to exactly -1 (which would read as 'outside').
        return y < -len ? y + sz2 : (y > -1e-15 ? 1e-15 : -y) - 1;
      }
      case 'wrap': {
        if (len <= 1) return 0;
        const sz = len - 1;
        return x + sz * (Math.trunc(-x / sz) + 1);
      }
      case 'grid-wrap':
        if (len <= 1) return 0;
        return x + len * (Math.trunc((-1 - x) / len) + 1);
      case 'nearest':
        return 0;
      case 'constant':
        return -1;
    }
  } else if (x > len - 1) {
    switch (mode) {
      case 'mirror': {
        if (len <= 1) return 0;
        const sz2 = 2 * len - 2;
        const y = x - sz2 * Math.trunc(x / sz2);
        return y >= len ? sz2 - y : y;
      }
      case 'reflect': {
        if (len <= 1) return 0;
        const sz2 = 2 * len;
        const y = x - sz2 * Math.trunc(x / sz2);
        return y >= len ? sz2 - y - 1 : y;
      }
      case 'wrap': {
        if (len <= 1) return 0;
        const sz = len - 1;
        return x - sz * Math.trunc(x / sz);
      }
      case 'grid-wrap':
        if (len <= 1) return 0;
        return x - len * Math.trunc(x / len);
      case 'nearest':
        return len - 1;
      case 'constant':
        return -1;
    }
  }
  return x;
}

/**
 * The extension of the spline coefficients used for taps beyond the edge (scipy's
 * `_get_spline_boundary_mode`): modes without an exact prefilter boundary use mirror.
 */
export function coefficientMode(mode: ShiftMode): ShiftMode {
  return mode === 'constant' || mode === 'wrap' ? 'mirror' : mode;
}
