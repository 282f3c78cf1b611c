import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runFolder } from '../../local/run-folder.js';
import { naturalCompare } from '../../shared/series/natural-compare.js';
import { SERIES, truth } from '../local/demo-series-copy.js';

describe('naturalCompare', () => {
  it('orders numbered frames by number, the rest by code point', () => {
    const names = [
      'A1_10.tif',
      'A1_2.tif',
      'A10_1.tif',
      'A1_1.tif',
      'B.tif',
      'a.tif',
      't01.tif',
      't1.tif',
      't009.tif',
    ];
    expect([...names].sort(naturalCompare)).toEqual([
      'A1_1.tif',
      'A1_2.tif',
      'A1_10.tif',
      'A10_1.tif',
      'B.tif',
      'a.tif',
      't01.tif',
      't1.tif',
      't009.tif',
    ]);
    expect(naturalCompare('x99999999999999999999', 'x100000000000000000000')).toBeLessThan(0);
  });

  it('is a total order: antisymmetric, zero only for equal strings, transitive', () => {
    const name = fc.stringMatching(/^[a-c_0-9]{0,6}$/);
    fc.assert(
      fc.property(name, name, name, (a, b, c) => {
        expect(Math.sign(naturalCompare(a, b)) + Math.sign(naturalCompare(b, a))).toBe(0);
        expect(naturalCompare(a, b) === 0).toBe(a === b);
        if (naturalCompare(a, b) <= 0 && naturalCompare(b, c) <= 0)
          expect(naturalCompare(a, c)).toBeLessThanOrEqual(0);
      }),
    );
  });
});

describe('metdb run on frames named A1_1, A1_2, A1_10', () => {
  it('takes A1_1 as the reference and lists the frames in natural order', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'metdb-natural-'));
    const folder = join(parent, 'plate');
    mkdirSync(folder);
    const frames = { 'A1_1.tif': 'frame_00.tif', 'A1_2.tif': 'frame_02.tif', 'A1_10.tif': 'frame_05.tif' };
    for (const [to, from] of Object.entries(frames)) copyFileSync(join(SERIES, from), join(folder, to));
    try {
      const summary = await runFolder(folder, { workers: 1, cwd: parent, average: false });
      expect(summary.results.map((r) => [r.file, r.role])).toEqual([
        ['A1_1.tif', 'reference'],
        ['A1_2.tif', 'registered'],
        ['A1_10.tif', 'registered'],
      ]);
      const shift = summary.results[2]!.shift!;
      const expected = truth.frames.find((f) => f.file === 'frame_05.tif')!.shift;
      shift.forEach((s, a) => expect(Math.abs(s - expected[a]!)).toBeLessThan(0.1));
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
