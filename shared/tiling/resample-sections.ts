import { ndarray, pixelTypeOf, type NdArray } from '../ndarray/ndarray.js';
import type { OutputFrame } from '../messages/stack-alignment-settings.js';
import {
  multiplyMatrices,
  translationMatrix,
  type Matrix3,
} from '../registration/similarity/transform-matrix.js';
import { warpToReference } from '../registration/warp-to-reference.js';
import { outputFrameBox, type FrameBox } from './output-frame-box.js';

export interface ResampleSectionsOptions {
  /** Interpolation: 1 linear, 3 cubic spline. @default 1 */
  order?: 1 | 3;
  /** The frame written (`outputFrameBox`): `first`, `pad` or `crop`. @default 'first' */
  outputFrame?: OutputFrame;
}

/**
 * Every section of a stack (z, y, x) resampled onto section 0's pixel grid through its transform
 * (`transforms[k]` maps (x, y) of section k onto section 0), in the frame `outputFrame` chooses;
 * pixel type kept (integers rounded and clipped), 0 where a section has no data. What `metdb align`
 * and a pipeline's stack of sections write.
 */
export function resampleSections<T extends Uint8Array | Uint16Array | Float32Array>(
  stack: NdArray<T>,
  transforms: readonly Matrix3[],
  options: ResampleSectionsOptions = {},
): { aligned: NdArray<T>; frame: FrameBox } {
  const { order = 1, outputFrame = 'first' } = options;
  const { data } = stack;
  const [n, h, w] = stack.shape as [number, number, number];
  const plane = h * w;
  const frame = outputFrameBox(transforms, [h, w], outputFrame);
  const outPlane = frame.width * frame.height;
  const out = new (data.constructor as new (length: number) => T)(n * outPlane);
  const toFrame = translationMatrix([-frame.y, -frame.x]);
  const max = pixelTypeOf(data) === 'uint8' ? 255 : 65535;
  const integer = pixelTypeOf(data) !== 'float32';
  for (let z = 0; z < n; z++) {
    const section = ndarray(data.subarray(z * plane, (z + 1) * plane) as T, [h, w]);
    const warped = warpToReference(section, multiplyMatrices(toFrame, transforms[z]!), {
      order,
      outputShape: [frame.height, frame.width],
      dtype: 'float32',
    });
    const values = warped.data;
    for (let i = 0; i < outPlane; i++) {
      const v = values[i]!;
      out[z * outPlane + i] = integer ? Math.min(max, Math.max(0, Math.round(v))) : v;
    }
  }
  return { aligned: ndarray(out, [n, frame.height, frame.width]), frame };
}
