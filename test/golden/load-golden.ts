/**
 * Loads the golden fixtures made by `scripts/make-golden.py` (scikit-image 0.19.3 on real images).
 *
 * Each case is a reference/moving pair (raw little-endian, row-major, axis order (z,) y, x) and
 * scikit-image's `phase_cross_correlation` result for upsample 1, 10 and 100 and both
 * normalizations. `trueShift` is the shift that registers moving onto reference (the negative of
 * the shift applied to make moving); scikit-image's own answers are in `results` and may differ
 * from it by more than a pixel on hard images (the low-texture cell case): match those.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  ndarray,
  sizeOf,
  type NdArray,
  type PixelArray,
  type PixelType,
} from '../../shared/ndarray/ndarray.js';

/** The folder of the fixtures (manifest.json and the raw files). */
export const goldenFixtureDir = new URL('../fixtures/golden/', import.meta.url);

const imageSchema = z.object({
  file: z.string(),
  dtype: z.enum(['uint8', 'uint16', 'float32', 'float64']),
  shape: z.array(z.number().int().positive()).min(1),
});

const resultSchema = z.object({
  upsampleFactor: z.number().int().positive(),
  normalization: z.enum(['phase', 'none']),
  /** scikit-image's shift, pixels, axis order (z,) y, x. */
  shift: z.array(z.number()),
  /** scikit-image's error; null where it returned NaN. */
  error: z.number().nullable(),
  /** scikit-image's phasediff, radians. */
  phasediff: z.number(),
  /**
   * (|CC|max - |CC|second) / |CC|max on the grid where scikit-image took its peak: how far from a
   * tie the choice was (a near tie could flip to the neighbouring grid point in another precision).
   */
  peakMargin: z.number(),
});

const caseSchema = z.object({
  id: z.string(),
  source: z.string(),
  reference: imageSchema,
  moving: imageSchema,
  appliedShift: z.array(z.number()),
  trueShift: z.array(z.number()),
  shiftMethod: z.enum(['fourier', 'spline3', 'integer']),
  noise: z.object({ kind: z.enum(['poisson', 'gaussian']), parameter: z.number(), seed: z.number() }),
  space: z.enum(['real', 'fourier']),
  skimageFftDtype: z.enum(['complex64', 'complex128']),
  results: z.array(resultSchema).min(1),
});

const manifestSchema = z.object({
  generator: z.string(),
  versions: z.record(z.string(), z.string()),
  conventions: z.string(),
  cases: z.array(caseSchema).min(1),
});

export type GoldenResult = z.infer<typeof resultSchema>;
export type GoldenManifest = z.infer<typeof manifestSchema>;

export interface GoldenCase extends Omit<z.infer<typeof caseSchema>, 'reference' | 'moving'> {
  readonly reference: NdArray;
  readonly moving: NdArray;
  /** The raw files of reference and moving, relative to the fixture folder. */
  readonly files: { readonly reference: string; readonly moving: string };
}

/** Reads and checks manifest.json (versions of the generating run, conventions, cases). */
export function loadGoldenManifest(): GoldenManifest {
  const text = readFileSync(new URL('manifest.json', goldenFixtureDir), 'utf8');
  return manifestSchema.parse(JSON.parse(text));
}

/** All golden cases with their images decoded to typed NdArrays. */
export function loadGoldenCases(): GoldenCase[] {
  return loadGoldenManifest().cases.map((c) => ({
    ...c,
    reference: readRaw(c.reference),
    moving: readRaw(c.moving),
    files: { reference: c.reference.file, moving: c.moving.file },
  }));
}

const bytesPerPixel: Record<PixelType, number> = { uint8: 1, uint16: 2, float32: 4, float64: 8 };

function readRaw(image: z.infer<typeof imageSchema>): NdArray {
  const bytes = readFileSync(new URL(image.file, goldenFixtureDir));
  const n = sizeOf(image.shape);
  const width = bytesPerPixel[image.dtype];
  if (bytes.length !== n * width) {
    throw new Error(
      `${image.file}: ${bytes.length} bytes, shape [${image.shape.join(', ')}] needs ${n * width}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return ndarray(decode(view, image.dtype, n), image.shape);
}

/** Decodes little-endian pixels whatever the host byte order. */
function decode(view: DataView, dtype: PixelType, n: number): PixelArray {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + n));
    case 'uint16': {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getUint16(2 * i, true);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    }
  }
}
