import { MetdbError } from '../errors/metdb-error.js';
import type { NdArray } from '../ndarray/ndarray.js';
import { equalWidthBins } from '../stack-conversion/equal-width-bins.js';
import { checkPair } from './check-pair.js';

export interface MutualInformationOptions {
  /**
   * Bins per image of the joint histogram: equal widths from the image's minimum to its maximum
   * (numpy's `histogram2d(a, b, bins)`). The FIB-SEM toolkit uses 2048. Many bins and few pixels
   * bias the value upwards (sparse histogram); compare values computed with the same bins and box.
   * @default 2048
   */
  bins?: number;
}

export interface MutualInformation {
  /** Mutual information H(A) + H(B) - H(A, B), nats (natural logarithm); 0 for independent images. */
  readonly mi: number;
  /**
   * Normalised: mi / H(A, B) = (H(A) + H(B)) / H(A, B) - 1, in [0, 1]: Studholme's normalised
   * mutual information minus one, the toolkit's NMI. 1 for images that determine each other.
   */
  readonly nmi: number;
  readonly bins: number;
}

/**
 * Mutual information of the pixel values of two images from their joint histogram, as the FIB-SEM
 * registration toolkit computes it (`mutual_information_2d`; Studholme, Hill and Hawkes 1998 for
 * the normalised form), without its Gaussian smoothing (disabled there too) and its epsilon.
 *
 * @throws MetdbError 'shape-mismatch', 'empty-array', 'invalid-argument' (bins), 'non-finite'
 */
export function mutualInformation(
  a: NdArray,
  b: NdArray,
  options: MutualInformationOptions = {},
): MutualInformation {
  const { bins = 2048 } = options;
  checkPair(a, b, 'mutualInformation', 1);
  if (!Number.isInteger(bins) || bins < 2 || bins > 65536) {
    throw new MetdbError(
      'invalid-argument',
      `mutualInformation: bins must be an integer in 2..65536, got ${bins}`,
    );
  }
  const ia = equalWidthBins(a.data, bins).indices;
  const ib = equalWidthBins(b.data, bins).indices;
  const n = ia.length;
  const joint = new Uint32Array(bins * bins);
  const ma = new Float64Array(bins);
  const mb = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    joint[ia[i]! * bins + ib[i]!]! += 1;
    ma[ia[i]!]! += 1;
    mb[ib[i]!]! += 1;
  }
  const ha = entropy(ma, n);
  const hb = entropy(mb, n);
  const hab = entropy(joint, n);
  const mi = ha + hb - hab;
  return { mi, nmi: hab > 0 ? mi / hab : Number.NaN, bins };
}

/** Shannon entropy (nats) of a histogram of `n` counts. */
function entropy(counts: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k]!;
    if (c > 0) s += c * Math.log(c);
  }
  return Math.log(n) - s / n;
}
