import type { ShiftMode } from './map-coordinate.js';

/** The pole of the cubic B-spline prefilter, sqrt(3) - 2 (Unser et al., 1991). */
const POLE = -0.2679491924311227; // the double nearest sqrt(3) - 2, as scipy writes it
/** Terms of the boundary sums below this weight are dropped (they cannot change a double). */
const NEGLIGIBLE = 1e-22;

/** How a prefilter line is extended beyond its ends, as scipy's `apply_filter` chooses it. */
export type FilterBoundary = 'mirror' | 'reflect' | 'wrap';

/** scipy's `apply_filter`: 'constant', 'mirror' and 'wrap' filter mirror-symmetric; 'nearest' (prepadded) and 'reflect' half-sample symmetric; 'grid-wrap' periodic. */
export function filterBoundary(mode: ShiftMode): FilterBoundary {
  if (mode === 'grid-wrap') return 'wrap';
  if (mode === 'nearest' || mode === 'reflect') return 'reflect';
  return 'mirror';
}

/**
 * In-place cubic B-spline prefilter (interpolation coefficients from samples) of `lanes` lines of
 * length `n` stored interleaved: sample i of lane w is `c[i * lanes + w]`. Same recursions, gain and
 * boundary initialisations as scipy's `ni_splines.c` (order 3, one pole), including the read of the
 * already-updated c[0] on the last term of the reflect initialisation (scipy <= 1.17); boundary sums
 * stop once z^i < 1e-22. Lines of length 1 are left unchanged, as in scipy.
 *
 * @param acc scratch of at least `lanes` doubles
 */
export function splinePrefilter(
  c: Float64Array,
  n: number,
  lanes: number,
  boundary: FilterBoundary,
  acc: Float64Array,
): void {
  if (n < 2) return;
  const z = POLE;
  const total = n * lanes;
  const gain = (1 - z) * (1 - 1 / z);
  for (let i = 0; i < total; i++) c[i] = (c[i] as number) * gain;
  const last = (n - 1) * lanes;

  // causal initialisation of c[0]
  if (boundary === 'mirror') {
    const zn1 = Math.pow(z, n - 1);
    for (let w = 0; w < lanes; w++) acc[w] = (c[w] as number) + zn1 * (c[last + w] as number);
    let zi = z;
    for (let i = 1; i < n - 1 && Math.abs(zi) > NEGLIGIBLE; i++) {
      const a = i * lanes;
      const b = (n - 1 - i) * lanes;
      for (let w = 0; w < lanes; w++)
        acc[w] = (acc[w] as number) + zi * ((c[a + w] as number) + zn1 * (c[b + w] as number));
      zi *= z;
    }
    const d = 1 - zn1 * zn1;
    for (let w = 0; w < lanes; w++) c[w] = (acc[w] as number) / d;
  } else if (boundary === 'reflect') {
    const zn = Math.pow(z, n);
    for (let w = 0; w < lanes; w++) acc[w] = (c[w] as number) + zn * (c[last + w] as number);
    let zi = z;
    for (let i = 1; i < n && Math.abs(zi) > NEGLIGIBLE; i++) {
      const a = i * lanes;
      const b = (n - 1 - i) * lanes;
      if (b === 0) {
        for (let w = 0; w < lanes; w++)
          acc[w] = (acc[w] as number) + zi * ((c[a + w] as number) + zn * (acc[w] as number));
      } else {
        for (let w = 0; w < lanes; w++)
          acc[w] = (acc[w] as number) + zi * ((c[a + w] as number) + zn * (c[b + w] as number));
      }
      zi *= z;
    }
    const f = z / (1 - zn * zn);
    for (let w = 0; w < lanes; w++) c[w] = (acc[w] as number) * f + (c[w] as number);
  } else {
    for (let w = 0; w < lanes; w++) acc[w] = c[w] as number;
    let zi = z;
    for (let i = 1; i < n && Math.abs(zi) > NEGLIGIBLE; i++) {
      const a = (n - i) * lanes;
      for (let w = 0; w < lanes; w++) acc[w] = (acc[w] as number) + zi * (c[a + w] as number);
      zi *= z;
    }
    const d = 1 - Math.pow(z, n);
    for (let w = 0; w < lanes; w++) c[w] = (acc[w] as number) / d;
  }

  // causal recursion
  for (let i = 1; i < n; i++) {
    const a = i * lanes;
    const p = a - lanes;
    for (let w = 0; w < lanes; w++) c[a + w] = (c[a + w] as number) + z * (c[p + w] as number);
  }

  // anticausal initialisation of c[n-1]
  if (boundary === 'mirror') {
    const p = last - lanes;
    const f = z / (z * z - 1);
    for (let w = 0; w < lanes; w++) c[last + w] = (z * (c[p + w] as number) + (c[last + w] as number)) * f;
  } else if (boundary === 'reflect') {
    const f = z / (z - 1);
    for (let w = 0; w < lanes; w++) c[last + w] = (c[last + w] as number) * f;
  } else {
    for (let w = 0; w < lanes; w++) acc[w] = c[last + w] as number;
    let zi = z;
    for (let i = 0; i < n - 1 && Math.abs(zi) > NEGLIGIBLE; i++) {
      const a = i * lanes;
      for (let w = 0; w < lanes; w++) acc[w] = (acc[w] as number) + zi * (c[a + w] as number);
      zi *= z;
    }
    const f = z / (Math.pow(z, n) - 1);
    for (let w = 0; w < lanes; w++) c[last + w] = (acc[w] as number) * f;
  }

  // anticausal recursion
  for (let i = n - 2; i >= 0; i--) {
    const a = i * lanes;
    const q = a + lanes;
    for (let w = 0; w < lanes; w++) c[a + w] = z * ((c[q + w] as number) - (c[a + w] as number));
  }
}
