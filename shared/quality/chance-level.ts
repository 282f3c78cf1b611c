import { normalizedCrossCorrelation } from '../aggregation/ncc.js';
import { stridesOf, type NdArray } from '../ndarray/ndarray.js';
import { binImage } from '../registration/preprocess/bin-image.js';
import { predictionFactors } from '../tiling/predict-shift.js';
import { registerTile } from '../tiling/register-tile.js';
import { TileWorkspace } from '../tiling/tile-workspace.js';

export interface ChanceLevel {
  /** NCC over the overlap of the (binned) pair at the solved shift. */
  readonly nccAfter: number;
  /** Peak ratio of the (binned) pair's phase correlation (`registerTile`'s `peakRatio`). */
  readonly peakRatio: number;
  /** Per unrelated counterpart (one per mirror image): the NCC and peak ratio its registration reaches. */
  readonly mirrors: readonly { readonly ncc: number; readonly peakRatio: number }[];
  /** The chance levels: the highest NCC and peak ratio over the mirrors. */
  readonly nccChance: number;
  readonly peakRatioChance: number;
}

/**
 * A permutation test of a registration, after ASHLAR's (Muhlich et al. 2022, Bioinformatics 38,
 * 4613): what NCC does registering *unrelated* content of the same kind reach? The moving image is
 * mirrored (along each axis and their combinations, and transposed when square), which keeps its
 * texture, smoothness, noise and intensity histogram but destroys the correspondence; each mirror
 * image is registered onto the reference as the pipeline's coarse stage does (binned to at most
 * 2^16 samples, Tukey window, phase correlation) and the NCC over the overlap at the peak found
 * and the peak ratio are recorded. The search for the best peak is part of the test: a small
 * overlap at a spurious peak reaches a high NCC by selection, and so do the mirror images. A
 * registration whose NCC at its shift, or whose peak ratio, does not exceed the mirrors' (on the
 * same binned images) looks like an unrelated overlap.
 * Pure and deterministic.
 *
 * @param reference reference pixels, axis order (z,) y, x
 * @param moving moving pixels, same shape
 * @param shift the solved shift registering moving onto reference, pixels
 */
export function chanceLevel(reference: NdArray, moving: NdArray, shift: readonly number[]): ChanceLevel {
  const factors = predictionFactors(reference.shape);
  const whole = factors.every((f) => f === 1);
  const a = whole ? reference : binImage(reference, { factor: factors, dtype: 'float32' });
  const b = whole ? moving : binImage(moving, { factor: factors, dtype: 'float32' });
  const nccAfter = normalizedCrossCorrelation(a, b, { shift: shift.map((s, k) => s / factors[k]!) });
  const params = { minSignal: 0, quality: false };
  const workspace = new TileWorkspace();
  const { peakRatio } = registerTile(a, b, params, workspace);
  const mirrors = mirrorImages(b).map((mirrored) => {
    const r = registerTile(a, mirrored, params, workspace);
    return { ncc: normalizedCrossCorrelation(a, mirrored, { shift: r.shift }), peakRatio: r.peakRatio };
  });
  return chanceLevelOf(nccAfter, peakRatio, mirrors);
}

/** The chance levels of the mirrors' results: the highest finite NCC and peak ratio. */
export function chanceLevelOf(
  nccAfter: number,
  peakRatio: number,
  mirrors: ChanceLevel['mirrors'],
): ChanceLevel {
  const highest = (values: number[]) => {
    const finite = values.filter(Number.isFinite);
    return finite.length === 0 ? Number.NaN : Math.max(...finite);
  };
  return {
    nccAfter,
    peakRatio,
    mirrors,
    nccChance: highest(mirrors.map((m) => m.ncc)),
    peakRatioChance: highest(mirrors.map((m) => m.peakRatio)),
  };
}

/**
 * The image reversed along every non-empty set of its axes (longer than 1), and, when its last two
 * axes are equal, transposed in those axes with each set of reversals too. With `reflectionsOnly`,
 * only the odd ones (an odd count of reversals and transpositions): the even ones are rotations
 * (by 90 or 180 degrees), which a rigid or similarity registration would simply undo.
 */
export function mirrorImages(image: NdArray, reflectionsOnly = false): NdArray<Float64Array>[] {
  const { shape } = image;
  const axes = shape.map((_, k) => k).filter((k) => shape[k]! > 1);
  const ndim = shape.length;
  const square = ndim >= 2 && shape[ndim - 1] === shape[ndim - 2];
  const out: NdArray<Float64Array>[] = [];
  for (const transpose of square ? [false, true] : [false]) {
    for (let mask = transpose ? 0 : 1; mask < 1 << axes.length; mask++) {
      const flips = new Set(axes.filter((_, i) => mask & (1 << i)));
      if (reflectionsOnly && (flips.size + (transpose ? 1 : 0)) % 2 === 0) continue;
      out.push(remap(image, flips, transpose));
    }
  }
  return out;
}

/** `image` with the axes in `flips` reversed and, if `transpose`, its last two axes swapped. */
function remap(image: NdArray, flips: ReadonlySet<number>, transpose: boolean): NdArray<Float64Array> {
  const { shape, data } = image;
  const ndim = shape.length;
  const strides = stridesOf(shape);
  const source = [...strides];
  if (transpose) [source[ndim - 1], source[ndim - 2]] = [source[ndim - 2]!, source[ndim - 1]!];
  const out = new Float64Array(data.length);
  const index = new Array<number>(ndim).fill(0);
  for (let i = 0; i < out.length; i++) {
    let from = 0;
    for (let k = 0; k < ndim; k++) {
      const at = flips.has(k) ? shape[k]! - 1 - index[k]! : index[k]!;
      from += at * source[k]!;
    }
    out[i] = data[from]!;
    for (let k = ndim - 1; k >= 0 && ++index[k]! === shape[k]; k--) index[k] = 0;
  }
  return { data: out, shape: [...shape] };
}
