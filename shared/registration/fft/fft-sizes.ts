/** Size rules of the FFT backends. */

/** True if n = 2^a 3^b 5^c (n >= 1). */
export function isFiveSmooth(n: number): boolean {
  if (!Number.isInteger(n) || n < 1) return false;
  for (const p of [2, 3, 5]) while (n % p === 0) n /= p;
  return n === 1;
}

/** Sizes PFFFT transforms directly: 5-smooth and a multiple of 16 (complex) or 32 (real). */
export function isPffftSize(n: number, kind: 'complex' | 'real'): boolean {
  return n % (kind === 'complex' ? 16 : 32) === 0 && isFiveSmooth(n);
}

/** The smallest size >= n that PFFFT transforms directly. */
export function nextPffftSize(n: number, kind: 'complex' | 'real' = 'complex'): number {
  const step = kind === 'complex' ? 16 : 32;
  let m = Math.max(step, Math.ceil(n / step) * step);
  while (!isFiveSmooth(m)) m += step;
  return m;
}
