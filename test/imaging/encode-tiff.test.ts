import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeImage, encodeTiff } from '../../shared/imaging/index.js';
import { ndarray, type NdArray } from '../../shared/ndarray/ndarray.js';
import { errorOf } from './error-of.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/images/${name}`, import.meta.url));
const PYTHON = '/usr/bin/python3';
const hasTifffile =
  existsSync(PYTHON) &&
  (() => {
    try {
      execFileSync(PYTHON, ['-c', 'import tifffile, numpy'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

/** Byte-for-byte equality of two typed arrays (faster than a deep equality on large arrays). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

/** A deterministic ramp with negatives and fractions for floats, wrapping for integers. */
function ramp(
  kind: 'uint8' | 'uint16' | 'float32',
  shape: number[],
): NdArray<Uint8Array | Uint16Array | Float32Array> {
  const n = shape.reduce((a, b) => a * b, 1);
  const data =
    kind === 'uint8' ? new Uint8Array(n) : kind === 'uint16' ? new Uint16Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++)
    data[i] =
      kind === 'float32' ? ((i * 37) % 1001) / 7 - 50.25 : (i * 7919) % (kind === 'uint8' ? 256 : 65536);
  return ndarray(data, shape);
}

const cases: {
  name: string;
  array: NdArray<Uint8Array | Uint16Array | Float32Array>;
  stripBytes?: number;
}[] = [
  { name: 'uint8 2D', array: ramp('uint8', [33, 45]) },
  { name: 'uint16 3D, many strips', array: ramp('uint16', [5, 40, 30]), stripBytes: 700 },
  { name: 'float32 3D', array: ramp('float32', [4, 17, 23]) },
  { name: 'float32 2D, one row per strip', array: ramp('float32', [9, 11]), stripBytes: 1 },
];

describe('encodeTiff', () => {
  for (const { name, array, stripBytes } of cases) {
    it(`${name} round-trips exactly through decodeImage`, async () => {
      const bytes = encodeTiff(array, { stripBytes });
      const { array: back, info } = await decodeImage(bytes);
      expect(back.shape).toEqual(array.shape);
      expect(back.data.constructor).toBe(array.data.constructor);
      expect(back.data).toEqual(array.data);
      expect(info.depth).toBe(array.shape.length === 3 ? array.shape[0] : 1);
    });
  }

  it('round-trips a real 16-bit image and a real float32 stack exactly', async () => {
    for (const file of ['cell_u16.tif', 'em_float32_zyx.tif']) {
      const { array } = await decodeImage(await readFile(fixture(file)));
      const { array: back } = await decodeImage(encodeTiff(array));
      expect(back.shape).toEqual(array.shape);
      expect(back.data.constructor).toBe(array.data.constructor);
      expect(sameBytes(back.data, array.data)).toBe(true);
    }
  });

  it('round-trips random arrays (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('uint8', 'uint16', 'float32'),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 2, maxLength: 3 }),
        fc.integer({ min: 1, max: 200 }),
        async (kind, shape, stripBytes) => {
          const array = ramp(kind, shape);
          const { array: back } = await decodeImage(encodeTiff(array, { stripBytes }));
          // A single page reads back as 2D: [1, y, x] becomes [y, x] (decodeImage's rule).
          expect(back.shape).toEqual(shape.length === 3 && shape[0] === 1 ? shape.slice(1) : shape);
          expect(back.data).toEqual(array.data);
        },
      ),
      { numRuns: 40 },
    );
  });

  it.skipIf(!hasTifffile)('is read by tifffile with the same shape, dtype and pixels', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'metdb-tiff-'));
    try {
      const files: string[] = [];
      for (const [i, { array, stripBytes }] of cases.entries()) {
        const file = join(dir, `case${i}.tif`);
        await writeFile(file, encodeTiff(array, { stripBytes }));
        files.push(file);
      }
      const script = [
        'import sys, json, numpy as np, tifffile',
        'out = []',
        'for f in sys.argv[1:]:',
        '    with tifffile.TiffFile(f) as t:',
        '        a = t.asarray()',
        '        out.append({"shape": list(a.shape), "dtype": str(a.dtype), "imagej": t.is_imagej, "pages": len(t.pages),',
        '                    "values": [float(v) for v in a.reshape(-1)]})',
        'print(json.dumps(out))',
      ].join('\n');
      const result = JSON.parse(execFileSync(PYTHON, ['-c', script, ...files], { encoding: 'utf8' })) as {
        shape: number[];
        dtype: string;
        imagej: boolean;
        pages: number;
        values: number[];
      }[];
      for (const [i, { array }] of cases.entries()) {
        const got = result[i];
        expect(got?.shape).toEqual(array.shape);
        expect(got?.dtype).toBe(
          array.data instanceof Uint8Array
            ? 'uint8'
            : array.data instanceof Uint16Array
              ? 'uint16'
              : 'float32',
        );
        expect(got?.imagej).toBe(true);
        expect(got?.pages).toBe(array.shape.length === 3 ? array.shape[0] : 1);
        expect(got?.values).toEqual(Array.from(array.data));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects float64, 1D and 4D arrays', async () => {
    expect(
      (await errorOf(Promise.resolve().then(() => encodeTiff(ndarray(new Float64Array(4), [2, 2]))))).code,
    ).toBe('invalid-argument');
    expect(
      (await errorOf(Promise.resolve().then(() => encodeTiff(ndarray(new Uint8Array(4), [4]))))).code,
    ).toBe('invalid-argument');
    expect(
      (await errorOf(Promise.resolve().then(() => encodeTiff(ndarray(new Uint8Array(16), [2, 2, 2, 2])))))
        .code,
    ).toBe('invalid-argument');
  });
});
