/**
 * Seeded standard normal numbers from a 32-bit linear congruential generator (Numerical Recipes'
 * constants) through Box-Muller: the noise of the committed sample series, which these exact
 * numbers reproduce (shared/random/seeded.ts is the generator for anything new).
 */
export function lcgGaussian(initialSeed: number): () => number {
  let seed = initialSeed;
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    const u = (seed + 1) / 4294967297;
    seed = (seed * 1664525 + 1013904223) >>> 0;
    const v = seed / 4294967296;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}
