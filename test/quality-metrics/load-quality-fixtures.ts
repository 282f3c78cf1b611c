/**
 * Loads the fixtures of `scripts/make-quality-fixtures.py`: noisy pairs of real images and
 * numpy's answers for every quality metric, computed from the definitions alone.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ndarray, type NdArray } from '../../shared/ndarray/ndarray.js';

const dir = new URL('../fixtures/quality/', import.meta.url);

const image = z.object({
  file: z.string(),
  dtype: z.enum(['uint8', 'uint16', 'float32']),
  shape: z.array(z.number().int().positive()),
});
const curve = z.object({
  frequency: z.array(z.number()),
  correlation: z.array(z.number()),
  pixels: z.array(z.number()),
});
const single = z.record(
  z.enum(['nearest', 'linear', 'parabolic']),
  z.object({ snr: z.number(), snrX: z.number(), snrY: z.number() }),
);
const caseSchema = z.object({
  id: z.string(),
  a: image,
  b: image,
  noise: z.object({ sigma: z.number() }),
  trueSnr: z.number(),
  numpy: z.object({
    ncc: z.number(),
    nsad: z.number(),
    mi: z.array(z.object({ bins: z.number(), mi: z.number(), nmi: z.number() })),
    snr: z.number(),
    frc: z.object({ none: curve, 'tukey0.25': curve }),
    single: z.object({ a: single, b: single }),
  }),
});

export type QualityCase = z.infer<typeof caseSchema>;

export function loadQualityCases(): QualityCase[] {
  const manifest = z
    .object({ cases: z.array(caseSchema) })
    .parse(JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8')));
  return manifest.cases;
}

export function loadQualityImage(entry: QualityCase['a']): NdArray {
  const bytes = readFileSync(new URL(entry.file, dir));
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const data =
    entry.dtype === 'uint8'
      ? new Uint8Array(buffer)
      : entry.dtype === 'uint16'
        ? new Uint16Array(buffer)
        : new Float32Array(buffer);
  return ndarray(data, entry.shape);
}
