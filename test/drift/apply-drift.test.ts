import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { seriesDrift } from '../../shared/aggregation/series-drift.js';
import { applyDrift } from '../../shared/drift/apply-drift.js';
import { seriesDriftCsv } from '../../shared/drift/drift-csv.js';
import { seriesDriftJson } from '../../shared/drift/drift-json.js';
import { parseDriftFile } from '../../shared/drift/parse-drift-file.js';
import { encodeChannelsTiff } from '../../shared/imaging/encode-channels-tiff.js';
import { decodeChannels } from '../../shared/imaging/image-channels.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import type { NdArray } from '../../shared/ndarray/ndarray.js';
import { fourierShift } from '../../shared/registration/fourier-shift.js';
import { phaseCrossCorrelation } from '../../shared/registration/phase-cross-correlation.js';

const root = new URL('../../', import.meta.url).pathname;
const drift = (k: number): number[] => [0.8 * k, -0.6 * k + 0.1 * k * k];
let channels: NdArray<Uint16Array>[];

/** A 6-frame stack cut from a real image with a known drift: [t, y, x] uint16, 96 x 128 frames. */
function stack(image: NdArray): NdArray<Uint16Array> {
  const [h, w] = image.shape as [number, number];
  const out = new Uint16Array(6 * 96 * 128);
  for (let k = 0; k < 6; k++) {
    const moved = fourierShift(image, drift(k));
    for (let y = 0; y < 96; y++) {
      for (let x = 0; x < 128; x++) {
        const v = moved.data[(y + ((h - 96) >> 1)) * w + x + ((w - 128) >> 1)]!;
        out[k * 96 * 128 + y * 128 + x] = Math.max(0, Math.round(v));
      }
    }
  }
  return { data: out, shape: [6, 96, 128] };
}

const frame = (s: NdArray, k: number): NdArray => ({
  data: s.data.subarray(k * 96 * 128, (k + 1) * 96 * 128),
  shape: [96, 128],
});

beforeAll(async () => {
  const cyx = (await readImageFile(`${root}test/fixtures/images/bbbc022_crop_cyx.tif`, { channel: 1 })).array;
  const er = (await readImageFile(`${root}test/fixtures/localisations/bbbc022_er_crop.tif`)).array;
  channels = [stack(er), stack(cyx)];
});

describe('parseDriftFile', () => {
  it('reads back drift.csv and drift.json, and names what is wrong', () => {
    const table = {
      frames: [0, 1],
      drift: [
        [0, 0],
        [1.5, -2],
      ],
    };
    expect(parseDriftFile(seriesDriftCsv(table, [0.1, 0.1]))).toEqual(table);
    expect(() => parseDriftFile('frame,drift_y_px,drift_x_px\n0,0,0\n1,x,2\n', 'd.csv')).toThrow(
      /d\.csv: line 3, column "drift_y_px" is not a number/,
    );
    expect(() => parseDriftFile('frame,drift_x_nm,drift_y_nm\n1,0,0\n')).toThrow(
      /needs the columns frame, drift_y_px/,
    );
    expect(() => parseDriftFile('{"frames":[{"frame":0,"drift_nm":[0,0]}]}')).toThrow(/drift_px/);
    expect(() => parseDriftFile('frame,drift_y_px,drift_x_px\n1,0,0\n')).toThrow(/frames must be 0, 1, 2/);
  });
});

describe('applyDrift', () => {
  it('lines every frame of a real drift series up with the first (Fourier and spline)', () => {
    const [er] = channels;
    const solved = seriesDrift(Array.from({ length: 6 }, (_, k) => frame(er!, k)));
    const table = { frames: solved.drift.map((_, k) => k), drift: solved.drift };
    for (const method of ['fourier', 'spline'] as const) {
      const corrected = applyDrift(er!, table, { method });
      expect(corrected.data).toBeInstanceOf(Uint16Array);
      for (let k = 1; k < 6; k++) {
        const before = phaseCrossCorrelation(frame(er!, 0), frame(er!, k), { upsampleFactor: 20 }).shift;
        const after = phaseCrossCorrelation(frame(corrected, 0), frame(corrected, k), {
          upsampleFactor: 20,
        }).shift;
        expect(Math.hypot(...before)).toBeGreaterThan(0.7);
        expect(Math.hypot(...after)).toBeLessThan(0.15);
      }
    }
    expect(() => applyDrift(er!, { frames: [0], drift: [[0, 0]] })).toThrow(/has 1 frames, the stack 6/);
  });

  it('metdb drift apply: a saved drift.json on another two-channel OME-TIFF, written as one stack', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metdb-apply-'));
    const solved = seriesDrift(Array.from({ length: 6 }, (_, k) => frame(channels[0]!, k)));
    writeFileSync(join(dir, 'drift.json'), seriesDriftJson(solved, { mode: 'rcc' }));
    const input = join(dir, 'raw.ome.tif');
    const pixelSize = { x: 0.65, y: 0.65, z: null, unit: 'µm' as const };
    writeFileSync(
      input,
      encodeChannelsTiff(
        { channels, names: ['ER', 'RNA'], pixelSize, metadataFormat: 'ome' },
        { format: 'ome' },
      ),
    );
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'cli/main.ts'),
        'drift',
        'apply',
        join(dir, 'drift.json'),
        input,
        '--out',
        join(dir, 'out'),
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/6 frames x 2 channel\(s\)/);
    const written = await decodeChannels(readFileSync(join(dir, 'out', 'raw_corrected.tif')));
    expect(written.names).toEqual(['ER', 'RNA']);
    expect(written.pixelSize?.x).toBeCloseTo(0.65, 6);
    expect(written.channels).toHaveLength(2);
    for (const c of written.channels) {
      expect(c.shape).toEqual([6, 96, 128]);
      const after = phaseCrossCorrelation(frame(c, 0), frame(c, 5), { upsampleFactor: 20 }).shift;
      expect(Math.hypot(...after)).toBeLessThan(0.2);
    }
    const bad = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'cli/main.ts'),
        'drift',
        'apply',
        join(dir, 'drift.json'),
        input,
        '--out',
        dir,
        '--method',
        'cubic',
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(bad.status).toBe(2);
  });
});
