import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFolder, type RunSummary } from '../../local/run-folder.js';
import { normalizedCrossCorrelation } from '../../shared/aggregation/ncc.js';
import { decodeImage } from '../../shared/imaging/decode-image.js';
import { encodeMrc } from '../../shared/imaging/encode-mrc.js';
import { parseMrcHeader } from '../../shared/imaging/mrc-header.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { ndarray, type NdArray } from '../../shared/ndarray/ndarray.js';
import { gaussian } from '../tiling/pixels.js';

/** Two MRC sections cut from a real brightfield image 4 rows and 7 columns apart, 8 Å pixels, with noise. */
let parent: string;
let summary: RunSummary;
let sections: NdArray<Float32Array>[];

function section(image: NdArray, y0: number, x0: number, seed: number): NdArray<Float32Array> {
  const [h, w] = [144, 224];
  const noise = gaussian(seed);
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++)
      out[y * w + x] = image.data[(y0 + y) * image.shape[1]! + x0 + x]! + 3 * noise();
  }
  return ndarray(out, [h, w]);
}

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'metdb-mrc-run-'));
  const folder = join(parent, 'fibsem');
  mkdirSync(folder);
  const image = (
    await readImageFile(new URL('../fixtures/images/aics_crop_lzw.ome.tif', import.meta.url).pathname)
  ).array;
  sections = [section(image, 0, 9, 1), section(image, 4, 2, 2)];
  sections.forEach((s, i) =>
    writeFileSync(join(folder, `section_${i}.mrc`), encodeMrc(s, { voxelSize: { x: 8, y: 8, z: 0 } })),
  );
  summary = await runFolder(folder, { workers: 1, out: join(parent, 'out'), average: false });
}, 120_000);
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('a run on MRC sections', () => {
  it('writes the registered sections back as MRC with their voxel size', async () => {
    const dir = join(summary.out, 'registered');
    expect(readdirSync(dir).sort()).toEqual(['section_0.mrc', 'section_1.mrc']);
    const bytes = readFileSync(join(dir, 'section_1.mrc'));
    const header = parseMrcHeader(bytes);
    expect(header.mode).toBe(2);
    expect(header.voxelSize[0]).toBeCloseTo(8, 5);
    expect(header.voxelSize[1]).toBeCloseTo(8, 5);
    const registered = (await decodeImage(bytes)).array;
    expect(registered.shape).toEqual([144, 224]);
    // Moved onto the reference: compare where both have data (the moved-in border is fill).
    const inner = (a: NdArray) => {
      const out = new Float64Array(124 * 200);
      for (let y = 0; y < 124; y++)
        for (let x = 0; x < 200; x++) out[y * 200 + x] = a.data[(y + 10) * 224 + x + 10]!;
      return ndarray(out, [124, 200]);
    };
    const before = normalizedCrossCorrelation(inner(sections[0]!), inner(sections[1]!));
    const after = normalizedCrossCorrelation(inner(sections[0]!), inner(registered));
    expect(before).toBeLessThan(0.9);
    expect(after).toBeGreaterThan(0.97);
  });
});
