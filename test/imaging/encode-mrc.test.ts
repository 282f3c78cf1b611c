import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { halfToFloat } from '../../shared/imaging/decode-mrc.js';
import { decodeImage } from '../../shared/imaging/decode-image.js';
import { encodeMrc, type MrcMode } from '../../shared/imaging/encode-mrc.js';
import { halfFromFloat32Bits } from '../../shared/imaging/float-to-half.js';
import { readMrcLabels } from '../../shared/imaging/mrc-labels.js';
import { parseMrcHeader } from '../../shared/imaging/mrc-header.js';
import { ndarray, type NdArray } from '../../shared/ndarray/ndarray.js';

const scratch = mkdtempSync(join(tmpdir(), 'metdb-mrc-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const emd = readFileSync(new URL('../fixtures/images/EMD-3197.map', import.meta.url));

/** The real EMDB map (float32, 20^3) and integer versions of it in every mode's range. */
async function volumes(): Promise<Record<string, { array: NdArray; mode: MrcMode }>> {
  const map = (await decodeImage(emd)).array as NdArray<Float32Array>;
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of map.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const scaled = (a: number, b: number) =>
    map.data.map((v) => Math.round(a + ((v - lo) / (hi - lo)) * (b - a)) + 0);
  return {
    'mode0-int8': { array: ndarray(Float32Array.from(scaled(-128, 127)), map.shape), mode: 0 },
    'mode1-int16': { array: ndarray(Float32Array.from(scaled(-30000, 30000)), map.shape), mode: 1 },
    'mode2-float32': { array: map, mode: 2 },
    'mode6-uint16': { array: ndarray(Uint16Array.from(scaled(0, 65535)), map.shape), mode: 6 },
    'mode6-uint8': {
      array: ndarray(Uint8Array.from(scaled(0, 255)), [80, 100]),
      mode: 6,
    },
    // Small values: mrcfile validates float16 data with numpy sums in float16, which overflow
    // beyond 65504 (a sum of squares of 8000 voxels).
    'mode12-float16': {
      array: ndarray(
        map.data.map((v) => v * 1.1),
        map.shape,
      ),
      mode: 12,
    },
  };
}

const stored = (array: NdArray, mode: MrcMode): number[] =>
  Array.from(array.data, (v) => {
    if (mode !== 12) return mode === 2 ? Math.fround(v) : v;
    const f = new Float32Array([v]);
    return halfToFloat(halfFromFloat32Bits(new Uint32Array(f.buffer)[0]!));
  });

describe('encodeMrc', () => {
  it('reads back through decodeImage in every mode, with its voxel size and labels', async () => {
    for (const [name, { array, mode }] of Object.entries(await volumes())) {
      const bytes = encodeMrc(array, {
        mode: name.endsWith('uint8') ? undefined : mode,
        voxelSize: { x: 11.4, y: 11.4, z: 22.8 },
        labels: ['Met-db test', name],
      });
      const header = parseMrcHeader(bytes);
      expect(header.mode, name).toBe(mode);
      expect([header.nz, header.ny, header.nx]).toEqual(
        array.shape.length === 3 ? array.shape : [1, ...array.shape],
      );
      expect(readMrcLabels(bytes)).toEqual(['Met-db test', name]);
      const back = (await decodeImage(bytes)).array;
      expect(back.shape).toEqual(array.shape);
      expect(Array.from(back.data)).toEqual(stored(array, mode));
      expect(back.data instanceof Uint16Array).toBe(mode === 6);
    }
  });

  it('writes the voxel size as mrcfile does (cell = size x samples) and keeps z for volumes only', () => {
    const view = (b: Uint8Array) => new DataView(b.buffer);
    const stack = ndarray(new Float32Array(2 * 3 * 4), [2, 3, 4]);
    const volume = encodeMrc(stack, { voxelSize: { x: 5, y: 6, z: 7 } });
    expect([28, 32, 36].map((o) => view(volume).getInt32(o, true))).toEqual([4, 3, 2]);
    expect([40, 44, 48].map((o) => view(volume).getFloat32(o, true))).toEqual([20, 18, 14]);
    expect(view(volume).getInt32(88, true)).toBe(1);
    const images = encodeMrc(stack, { voxelSize: { x: 5, y: 6, z: 7 }, kind: 'stack' });
    expect(view(images).getInt32(36, true)).toBe(1);
    expect(view(images).getInt32(88, true)).toBe(0);
  });

  it('refuses values a mode cannot hold, bad labels and other ranks, with a reason', () => {
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return isMetdbError(error) ? `${error.code}: ${error.message}` : 'other';
      }
      return 'none';
    };
    const a = ndarray(Float32Array.of(1, 2, 300, 4), [2, 2]);
    expect(codeOf(() => encodeMrc(a, { mode: 0 }))).toMatch(
      /^invalid-argument: .*value 300 at index 2 does not fit MRC mode 0/,
    );
    expect(codeOf(() => encodeMrc(a, { labels: ['é'] }))).toMatch(/^invalid-argument: .*printable ASCII/);
    expect(codeOf(() => encodeMrc(a, { labels: new Array<string>(11).fill('x') }))).toMatch(
      /at most 10 labels/,
    );
    expect(codeOf(() => encodeMrc(ndarray(new Float32Array(4), [4])))).toMatch(/2D or 3D/);
  });

  it('rounds to float16 like IEEE 754 (every half value and the midpoints between them)', () => {
    const f = new Float32Array(1);
    const bits = new Uint32Array(f.buffer);
    const half = (v: number) => {
      f[0] = v;
      return halfFromFloat32Bits(bits[0]!);
    };
    for (let h = 0; h < 0x10000; h++) {
      const v = halfToFloat(h);
      if (Number.isNaN(v)) expect(Number.isNaN(halfToFloat(half(v)))).toBe(true);
      else expect(half(v)).toBe(h);
    }
    // Ties go to the even neighbour; beyond the largest half (65504) rounds to infinity at 65520.
    expect(half(1 + 2 ** -11)).toBe(0x3c00);
    expect(half(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(half(65519)).toBe(0x7bff);
    expect(half(65520)).toBe(0x7c00);
    expect(half(2 ** -25)).toBe(0);
    expect(half(2 ** -25 * 1.5)).toBe(1);
  });
});

const python = '/usr/bin/python3';
const hasMrcfile = existsSync(python) && spawnSync(python, ['-c', 'import mrcfile']).status === 0;

describe.skipIf(!hasMrcfile)('compatibility with mrcfile', () => {
  it('mrcfile reads and validates what we write, and we read what mrcfile writes', async () => {
    const cases = await volumes();
    for (const [name, { array, mode }] of Object.entries(cases)) {
      writeFileSync(
        join(scratch, `ours-${name}.mrc`),
        encodeMrc(array, { mode, voxelSize: { x: 11.4, y: 11.4, z: 22.8 }, labels: ['Met-db', name] }),
      );
    }
    const run = spawnSync(python, [new URL('mrcfile-check.py', import.meta.url).pathname, scratch], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as {
      ours: Record<
        string,
        {
          valid: boolean;
          report: string;
          mode: number;
          shape: number[];
          voxelSize: number[];
          labels: string[];
          data: number[];
        }
      >;
      theirs: Record<string, { mode: number; data: number[] }>;
    };
    for (const [name, { array, mode }] of Object.entries(cases)) {
      const got = report.ours[`ours-${name}.mrc`]!;
      expect(got.report.split('\n').slice(1), name).toEqual(['File appears to be valid.', '']);
      expect(got.valid, name).toBe(true);
      expect(got.mode).toBe(mode);
      expect(got.shape).toEqual(array.shape);
      expect(got.voxelSize.map((v) => Math.round(v * 1000) / 1000)).toEqual(
        array.shape.length === 3 ? [11.4, 11.4, 22.8] : [11.4, 11.4, 0],
      );
      expect(got.labels).toEqual(['Met-db', name]);
      expect(got.data).toEqual(stored(array, mode));
    }
    for (const [file, { mode, data }] of Object.entries(report.theirs)) {
      const bytes = readFileSync(join(scratch, file));
      const header = parseMrcHeader(bytes);
      expect(header.mode).toBe(mode);
      const back = (await decodeImage(bytes)).array;
      expect(back.shape).toEqual([3, 4, 5]);
      expect(Array.from(back.data)).toEqual(data);
      expect(readMrcLabels(bytes)).toEqual([
        expect.stringMatching(/^Created by mrcfile\.py/),
        'written by mrcfile for Met-db',
      ]);
    }
  });
});
