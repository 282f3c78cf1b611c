import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { decodeImage, inspectImage, readImageFile } from '../../shared/imaging/index.js';
import { errorOf } from './error-of.js';
import { tiffClaiming } from '../../scripts/chaos/bad-inputs.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/images/${name}`, import.meta.url));

describe('bad inputs give the right MetdbError, never a crash', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'metdb-bad-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('zero bytes: corrupt-image', async () => {
    const error = await errorOf(decodeImage(new Uint8Array(0)));
    expect(error.code).toBe('corrupt-image');
    expect(error.kind).toBe('permanent');
    expect(error.message).toMatch(/empty image file \(0 bytes\)/);
  });

  it('a text file named .tif: unsupported-format, naming the file', async () => {
    const file = join(dir, 'notes.tif');
    await writeFile(file, 'Plate 3, well B2: imaged on Tuesday\n');
    const error = await errorOf(readImageFile(file));
    expect(error.code).toBe('unsupported-format');
    expect(error.message).toMatch(
      /notes\.tif: not a TIFF, PNG, JPEG or MRC image \(first bytes: 50 6c 61 74/,
    );
    expect(error.details.file).toBe(file);
  });

  it('a truncated TIFF: corrupt-image (libvips alone would fill the missing strips with zeros)', async () => {
    const full = await readFile(fixture('cell_u16.tif'));
    for (const length of [300_000, full.length - 100]) {
      const error = await errorOf(decodeImage(full.subarray(0, length)));
      expect(error.code).toBe('corrupt-image');
      expect(error.message).toMatch(/past the end of the file .*truncated/);
      expect((await errorOf(inspectImage(full.subarray(0, length)))).code).toBe('corrupt-image');
    }
    expect((await errorOf(decodeImage(full.subarray(0, 6)))).code).toBe('corrupt-image');
    // An ImageJ stack cut in its middle.
    const stack = await readFile(fixture('blobs3d_skeleton.tif'));
    expect((await errorOf(decodeImage(stack.subarray(0, stack.length >> 1)))).code).toBe('corrupt-image');
  });

  it('a TIFF header claiming 100000 x 100000 pixels: image-too-large before any pixel is read', async () => {
    const bytes = tiffClaiming(100_000, 100_000);
    for (const promise of [decodeImage(bytes), inspectImage(bytes)]) {
      const error = await errorOf(promise);
      expect(error.code).toBe('image-too-large');
      expect(error.message).toMatch(
        /100000 x 100000 x 1 = 10000000000 voxels exceeds the limit of 1500000000/,
      );
      expect(error.details).toMatchObject({ width: 100_000, height: 100_000, maxPixels: 1.5e9 });
    }
    // The same small header with its strip really missing is corrupt, not too large.
    expect((await errorOf(decodeImage(tiffClaiming(100, 100)))).code).toBe('corrupt-image');
  });

  it('maxPixels and maxBytes are honoured', async () => {
    const png = await readFile(fixture('cell.png'));
    const tooMany = await errorOf(decodeImage(png, { maxPixels: 1000 }));
    expect(tooMany.code).toBe('image-too-large');
    expect(tooMany.message).toMatch(/550 x 660 x 1 = 363000 voxels exceeds the limit of 1000/);
    const tooBig = await errorOf(readImageFile(fixture('cell.png'), { maxBytes: 100 }));
    expect(tooBig.code).toBe('image-too-large');
    expect(tooBig.message).toMatch(/cell\.png: image file has 74183 bytes, more than the limit of 100/);
    expect((await errorOf(decodeImage(png, { maxPixels: -1 }))).code).toBe('invalid-argument');
  });

  it('random bytes: unsupported-format', async () => {
    let seed = 12345;
    const bytes = Uint8Array.from(
      { length: 4096 },
      () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 23,
    );
    bytes[0] = 0x13; // not a magic byte of any format we read
    const error = await errorOf(decodeImage(bytes));
    expect(error.code).toBe('unsupported-format');
  });

  it('a truncated PNG, JPEG or MRC: corrupt-image', async () => {
    const png = await readFile(fixture('cell.png'));
    expect((await errorOf(decodeImage(png.subarray(0, 40_000)))).code).toBe('corrupt-image');
    const jpeg = await readFile(fixture('camera_crop.jpg'));
    expect((await errorOf(decodeImage(jpeg.subarray(0, jpeg.length >> 1)))).code).toBe('corrupt-image');
    const mrc = await readFile(fixture('EMD-3197.map'));
    const error = await errorOf(decodeImage(mrc.subarray(0, 20_000)));
    expect(error.code).toBe('corrupt-image');
    expect(error.message).toMatch(/header says 20 x 20 x 20 voxels .* file has 20000 bytes: truncated/);
  });

  it('an MRC of an unsupported mode (complex): unsupported-format', async () => {
    const mrc = new Uint8Array(await readFile(fixture('EMD-3197.map')));
    new DataView(mrc.buffer).setInt32(12, 4, true);
    const error = await errorOf(decodeImage(mrc));
    expect(error.code).toBe('unsupported-format');
    expect(error.message).toMatch(/MRC mode 4 \(complex float32\)/);
  });

  it('a float64 TIFF: unsupported-format', async () => {
    const error = await errorOf(decodeImage(await readFile(fixture('sample_types/float64.tif'))));
    expect(error.code).toBe('unsupported-format');
    expect(error.message).toMatch(/64-bit floating-point TIFF/);
  });

  it('a missing file: not-found, naming it', async () => {
    const file = join(dir, 'nope.tif');
    const error = await errorOf(readImageFile(file));
    expect(error.code).toBe('not-found');
    expect(error.message).toBe(`${file}: no such file`);
    expect(error.details.file).toBe(file);
  });

  it('random bytes and damaged real files resolve or reject with a MetdbError (property)', async () => {
    const originals = await Promise.all(
      ['blobs3d_skeleton.tif', 'cell.png', 'EMD-3197.map', 'aics_crop_lzw.ome.tif'].map((f) =>
        readFile(fixture(f)),
      ),
    );
    const outcome = async (bytes: Uint8Array): Promise<string> => {
      try {
        await decodeImage(bytes);
        return 'decoded';
      } catch (error) {
        return isMetdbError(error) ? 'MetdbError' : String(error);
      }
    };
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        expect(await outcome(bytes)).toMatch(/^(decoded|MetdbError)$/);
      }),
      { numRuns: 100 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: originals.length - 1 }),
        fc.array(fc.tuple(fc.nat(1500), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (which, edits, cut) => {
          const original = originals[which] ?? new Uint8Array(0);
          const damaged = new Uint8Array(
            original.subarray(0, cut === undefined ? undefined : cut % (original.length + 1)),
          );
          for (const [at, value] of edits) if (at < damaged.length) damaged[at] = value;
          expect(await outcome(damaged)).toMatch(/^(decoded|MetdbError)$/);
        },
      ),
      { numRuns: 150 },
    );
  });
});
