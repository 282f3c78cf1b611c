/** The pipeline on 3D stacks: bricks with overlap, one shift per axis (z, y, x). */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { ndarray, sizeOf, stridesOf, type NdArray } from '../../shared/ndarray/ndarray.js';
import { fourierShift } from '../../shared/registration/fourier-shift.js';
import { allRows } from '../integration/pipeline-harness.js';
import { loadGoldenCases } from '../golden/load-golden.js';
import { createPipelineFixture, type PipelineFixture } from './pipeline-fixture.js';

let fixture: PipelineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** Centred crop of `size` as uint16 with seeded noise (real cryo-ET pixels, realistic borders). */
function stack(image: NdArray, size: number[], seed: number): NdArray<Uint16Array> {
  let s = seed;
  const noise = (): number => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
  const inStrides = stridesOf(image.shape);
  const outStrides = stridesOf(size);
  const offset = image.shape.map((n, a) => Math.floor((n - size[a]!) / 2));
  const out = new Uint16Array(sizeOf(size));
  for (let i = 0; i < out.length; i++) {
    let rest = i;
    let src = 0;
    for (let a = 0; a < size.length; a++) {
      const k = Math.floor(rest / outStrides[a]!);
      rest -= k * outStrides[a]!;
      src += (k + offset[a]!) * inStrides[a]!;
    }
    out[i] = Math.max(0, Math.round(100 * image.data[src]! + 400 * noise() + 2000));
  }
  return ndarray(out, size);
}

describe('pipeline on 3D stacks', () => {
  it('registers a z-stack brick by brick within 0.05 px per axis', async () => {
    const em = loadGoldenCases().find((c) => c.id.startsWith('em13pf'))!.reference; // 32x64x64
    const applied = [1.3, -2.6, 3.45];
    const f = (fixture = await createPipelineFixture());
    await f.deps.blobs.put(
      'vol/metdb.json',
      Buffer.from(JSON.stringify({ reference: 'a.tif', tileSize: 32, upsampleFactor: 20 })),
    );
    await f.upload('vol/a.tif', encodeTiff(stack(em, [24, 52, 52], 1)));
    await f.upload('vol/b.tif', encodeTiff(stack(fourierShift(em, applied), [24, 52, 52], 2)));
    const { tiles, aggregations } = await f.drain();
    expect(tiles).toBeGreaterThan(1);
    expect(aggregations).toBe(1);
    const rows = await allRows(f.deps.db);
    expect(rows.images.map((i) => i.depth)).toEqual([24, 24]);
    expect(rows.jobs[0]).toMatchObject({ state: 'done', tiles_total: tiles, tiles_done: tiles });
    const [r] = rows.registrations;
    expect(r).toBeDefined();
    const shift = [r!.shift_z!, r!.shift_y, r!.shift_x];
    shift.forEach((s, a) => expect(Math.abs(s + applied[a]!)).toBeLessThanOrEqual(0.05 + 1e-9));
    expect(r!.ncc_after!).toBeGreaterThan(r!.ncc_before!);
  });
});
