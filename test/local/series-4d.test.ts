/**
 * A 4D (t, z, y, x) ImageJ hyperstack (issue 16): its frames are volumes, each registered in 3D
 * (bricks), one 3D drift per time point, and the corrected stack is a hyperstack of the same
 * axes, every volume moved back by its drift.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftApplyCommand } from '../../cli/drift-apply-command.js';
import { runFolder, type RunSummary } from '../../local/run-folder.js';
import { seriesDrift } from '../../shared/aggregation/series-drift.js';
import { decodeChannels } from '../../shared/imaging/image-channels.js';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { readTiffStructure } from '../../shared/imaging/tiff-structure.js';
import { sizeOf, stridesOf, type NdArray } from '../../shared/ndarray/ndarray.js';
import { seededGaussian } from '../../shared/random/seeded.js';
import { fourierShift } from '../../shared/registration/fourier-shift.js';
import { loadGoldenCases } from '../golden/load-golden.js';

const T = 4;
const FRAME = [20, 48, 48];
/** Per time point, where the content is minus where it was at t = 0: z, y, x, pixels. */
const DRIFT = [
  [0, 0, 0],
  [0.4, 1.2, -0.8],
  [0.9, 2.1, -1.5],
  [1.3, 3.4, -2.6],
];

let parent: string;
let summary: RunSummary;
let stack: Uint16Array;

/** The centred `FRAME` of a volume as uint16 with 3 % noise (real cryo-ET pixels, borders on every axis). */
function crop(volume: NdArray, gauss: () => number): Uint16Array {
  const inStrides = stridesOf(volume.shape);
  const outStrides = stridesOf(FRAME);
  const offset = volume.shape.map((n, a) => Math.floor((n - FRAME[a]!) / 2));
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of volume.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const out = new Uint16Array(sizeOf(FRAME));
  for (let i = 0; i < out.length; i++) {
    let rest = i;
    let src = 0;
    for (let a = 0; a < 3; a++) {
      const k = Math.floor(rest / outStrides[a]!);
      rest -= k * outStrides[a]!;
      src += (k + offset[a]!) * inStrides[a]!;
    }
    const v = 2000 + (40_000 * (volume.data[src]! - lo)) / (hi - lo) + 0.03 * 40_000 * gauss();
    out[i] = Math.max(0, Math.min(65535, Math.round(v)));
  }
  return out;
}

/** Volume t of a [t * z, y, x] stack. */
function volume(data: ArrayLike<number>, t: number): NdArray<Float32Array> {
  const n = sizeOf(FRAME);
  return {
    data: Float32Array.from(Array.prototype.slice.call(data, t * n, (t + 1) * n) as number[]),
    shape: FRAME,
  };
}

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'metdb-series-4d-'));
  const em = loadGoldenCases().find((c) => c.id.startsWith('em13pf'))!.reference; // 32 x 64 x 64
  const gauss = seededGaussian(4);
  const n = sizeOf(FRAME);
  stack = new Uint16Array(T * n);
  DRIFT.forEach((d, t) => stack.set(crop(fourierShift(em, d), gauss), t * n));
  const description = `ImageJ=1.53t\nimages=${T * FRAME[0]!}\nframes=${T}\nslices=${FRAME[0]}\nhyperstack=true\nmode=grayscale\nloop=false\n`;
  const folder = join(parent, 'hyper');
  mkdirSync(folder);
  writeFileSync(
    join(folder, 'hyper.tif'),
    encodeTiff({ data: stack, shape: [T * FRAME[0]!, 48, 48] }, { description }),
  );
  summary = await runFolder(folder, { workers: 1, cwd: parent, registeredImages: false, average: false });
}, 180_000);

afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('a 4D (t, z, y, x) hyperstack', () => {
  it('is read as time points of volumes and solved: a 3D drift per time point within 0.1 px', () => {
    expect(summary.files.map((f) => f.readAs)).toEqual([
      `${T} frames (t) of volumes of 20 x 48 x 48, uint16`,
    ]);
    expect(summary.tiles).toBeGreaterThan(0);
    expect(summary.results.map((r) => r.frame)).toEqual([...Array(T).keys()]);
    summary.results.forEach((r, t) => {
      expect(r.shift).toHaveLength(3);
      r.shift!.forEach((s, a) => expect(Math.abs(-s - DRIFT[t]![a]!), `t ${t} axis ${a}`).toBeLessThan(0.1));
    });
    const csv = readFileSync(join(summary.out, 'drift.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('frame,drift_z_px,drift_y_px,drift_x_px');
    expect(csv).toHaveLength(T + 1);
  });

  it('writes one corrected hyperstack of the same axes, each volume moved back by its 3D drift', async () => {
    const corrected = summary.seriesOutputs[0]?.corrected;
    expect(corrected).toBe(join(summary.out, 'hyper_corrected.tif'));
    const bytes = new Uint8Array(readFileSync(corrected!));
    const description = readTiffStructure(bytes).description ?? '';
    expect(description).toMatch(/^frames=4$/m);
    expect(description).toMatch(/^slices=20$/m);
    expect(description).toMatch(/^images=80$/m);
    const image = await decodeChannels(bytes);
    expect(image.channels[0]!.shape).toEqual([T * FRAME[0]!, 48, 48]);
    const out = image.channels[0]!.data;
    // What is left between the last volume and the first: a small fraction of the 4.5 px drift.
    const left = seriesDrift([volume(out, 0), volume(out, T - 1)], { preprocess: { window: 'tukey' } })
      .drift[1]!;
    const raw = seriesDrift([volume(stack, 0), volume(stack, T - 1)]).drift[1]!;
    expect(Math.hypot(...raw)).toBeGreaterThan(4);
    expect(Math.hypot(...left)).toBeLessThan(0.25);
  });

  it('metdb drift apply: the saved 3D drift.csv on the raw hyperstack gives the same corrected volumes', async () => {
    const lines: string[] = [];
    const code = await driftApplyCommand(
      [
        join(summary.out, 'drift.csv'),
        join(parent, 'hyper', 'hyper.tif'),
        '--out',
        join(parent, 'applied'),
        '--method',
        'spline',
      ],
      (l) => lines.push(l),
    );
    expect(code).toBe(0);
    expect(lines.join('\n')).toMatch(/hyper\.tif: 4 frames x 1 channel\(s\) shifted/);
    const applied = await decodeChannels(
      new Uint8Array(readFileSync(join(parent, 'applied', 'hyper_corrected.tif'))),
    );
    const run = await decodeChannels(new Uint8Array(readFileSync(summary.seriesOutputs[0]!.corrected!)));
    expect(applied.channels[0]!.shape).toEqual([T * FRAME[0]!, 48, 48]);
    // drift.csv keeps 4 decimals: the same pixels up to rounding.
    const a = applied.channels[0]!.data;
    const b = run.channels[0]!.data;
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    expect(worst).toBeLessThanOrEqual(2);
  });
});
