import {
  cumulativeTransforms,
  type CumulativeTransformsOptions,
} from '../aggregation/cumulative-transforms.js';
import { MetdbError } from '../errors/metdb-error.js';
import { ndarray, type NdArray } from '../ndarray/ndarray.js';
import type { OutputFrame } from '../messages/stack-alignment-settings.js';
import type { Matrix3 } from '../registration/similarity/transform-matrix.js';
import type { FrameBox } from './output-frame-box.js';
import { resampleSections } from './resample-sections.js';
import {
  sectionPairTransform,
  type SectionPairTransformOptions,
  type SectionPairTransformResult,
} from './section-pair-transform.js';

export interface AlignStackOptions extends SectionPairTransformOptions, CumulativeTransformsOptions {
  /** Interpolation of the resampled sections: 1 linear, 3 cubic spline. @default 1 */
  order?: 1 | 3;
  /**
   * The frame the sections are resampled into (`outputFrameBox`): section 0's (`first`), grown to
   * hold every section (`pad`), or cut to the region all sections cover (`crop`). @default 'first'
   */
  outputFrame?: OutputFrame;
}

export interface AlignedStack<T extends Uint8Array | Uint16Array | Float32Array> {
  /** The sections resampled into the output frame (pixel type kept; 0 where no data). */
  readonly aligned: NdArray<T>;
  /** Where the output frame lies in section 0's pixel grid (its first pixel and size). */
  readonly frame: FrameBox;
  /** Each section's transform onto section 0 (index 0 the identity). */
  readonly transforms: Matrix3[];
  /** The measured step of section k onto section k - 1, for k = 1 .. n - 1. */
  readonly steps: SectionPairTransformResult[];
}

/**
 * Frame-to-frame alignment of a stack (z, y, x), as the FIB-SEM workflow does it: each section is
 * measured against the one before (`sectionPairTransform`: tile shifts, model fit, outliers out;
 * a step with too little evidence is a shift, flagged), the steps are chained into one transform
 * per section (`cumulativeTransforms`, optionally smoothed and detrended), and every section is
 * resampled onto section 0's grid, in its frame, padded or cropped (`outputFrame`).
 */
export function alignStack<T extends Uint8Array | Uint16Array | Float32Array>(
  stack: NdArray<T>,
  options: AlignStackOptions = {},
): AlignedStack<T> {
  const { order = 1, smoothing, subtractLinearTrend, outputFrame = 'first', ...pair } = options;
  const { shape, data } = stack;
  if (shape.length !== 3 || shape[0]! < 2) {
    throw new MetdbError(
      'invalid-argument',
      `alignStack: needs a stack (z, y, x) of at least 2 sections, got [${shape.join(', ')}]`,
    );
  }
  const [n, h, w] = shape as [number, number, number];
  const plane = h * w;
  const section = (z: number) => ndarray(data.subarray(z * plane, (z + 1) * plane) as T, [h, w]);
  const steps: SectionPairTransformResult[] = [];
  for (let z = 1; z < n; z++) steps.push(sectionPairTransform(section(z - 1), section(z), pair));
  const transforms = cumulativeTransforms(steps, {
    ...(smoothing !== undefined && { smoothing }),
    ...(subtractLinearTrend !== undefined && { subtractLinearTrend }),
  });
  const { aligned, frame } = resampleSections(stack, transforms, { order, outputFrame });
  return { aligned, frame, transforms, steps };
}
