import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  simulateLocalisations,
  thunderstormCsv,
  type SimulatedLocalisations,
} from '../../bench/simulate-localisations.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { runMetdb } from '../support/run-metdb.js';

const root = new URL('../../', import.meta.url).pathname;

/** Runs the real CLI entry point (TypeScript through tsx, so no build is needed). */
const metdb = (...args: string[]) => runMetdb(args);

let dir: string;
let sim: SimulatedLocalisations;
let input: string;

beforeAll(async () => {
  const structure = (await readImageFile(join(root, 'test/fixtures/localisations/bbbc022_er_crop.tif')))
    .array;
  sim = simulateLocalisations(structure, { frames: 2000, perFrame: 40, seed: 21 });
  dir = mkdtempSync(join(tmpdir(), 'metdb-drift-'));
  input = join(dir, 'storm.csv');
  writeFileSync(input, thunderstormCsv(sim));
});

describe('metdb drift', () => {
  it('writes drift.csv, drift.json and the corrected table, drift within 5 nm RMS', () => {
    const out = join(dir, 'out');
    const r = metdb('drift', input, '--out', out, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { localisations: number; frames: number; bins: number };
    expect(summary.localisations).toBe(sim.x.length);
    expect(summary.frames).toBe(2000);
    const lines = readFileSync(join(out, 'drift.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('frame,drift_x_nm,drift_y_nm');
    expect(lines).toHaveLength(2001);
    expect(lines[1]).toBe('1,0.000,0.000');
    let ss = 0;
    lines.slice(1).forEach((line, k) => {
      const [frame, dx, dy] = line.split(',').map(Number);
      expect(frame).toBe(k + 1);
      ss += (dx! - sim.drift[k]![0]!) ** 2 + (dy! - sim.drift[k]![1]!) ** 2;
    });
    expect(Math.sqrt(ss / 2000)).toBeLessThanOrEqual(5);
    const json = JSON.parse(readFileSync(join(out, 'drift.json'), 'utf8')) as {
      kind: string;
      bins: unknown[];
      frames: unknown[];
    };
    expect(json.kind).toBe('localisations');
    expect(json.bins).toHaveLength(summary.bins);
    expect(json.frames).toHaveLength(2000);
    // The corrected table: the same columns and values except x and y, which moved by the drift.
    const original = readFileSync(input, 'utf8').split('\n');
    const corrected = readFileSync(join(out, 'storm_corrected.csv'), 'utf8').split('\n');
    expect(corrected).toHaveLength(original.length);
    expect(corrected[0]).toBe(original[0]);
    for (const i of [1, 500, original.length - 2]) {
      const a = original[i]!.split(',');
      const b = corrected[i]!.split(',');
      expect([b[0], b[1], ...b.slice(4)]).toEqual([a[0], a[1], ...a.slice(4)]);
      const frame = Number(a[1]);
      const d = lines[frame]!.split(',').map(Number);
      expect(Number(b[2])).toBeCloseTo(Number(a[2]) - d[1]!, 0);
      expect(Number(b[3])).toBeCloseTo(Number(a[3]) - d[2]!, 0);
      expect(b[2]).toMatch(/^-?\d+\.\d$/);
    }
  });

  it('reads other headers with --columns and takes the bin settings', () => {
    const text = readFileSync(input, 'utf8').replace('"frame","x [nm]","y [nm]"', 't,x_nm,y_nm');
    const other = join(dir, 'other.csv');
    writeFileSync(other, text);
    const out = join(dir, 'other-out');
    const r = metdb(
      'drift',
      other,
      '--out',
      out,
      '--columns',
      'frame=t,x=x_nm,y=y_nm',
      '--bin-frames',
      '250',
      '--pixel-size',
      '30',
      '--window',
      '3',
      '--interpolation',
      'linear',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/8 bins of 250 frames, 30 nm pixels, window 3/);
    expect(readFileSync(join(out, 'other_corrected.csv'), 'utf8').split('\n')[0]).toBe(text.split('\n')[0]);
  });

  it('one line and exit 1 for bad tables, exit 2 for bad usage', () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'frame,x [nm],y [nm]\n1,10,20\n2,oops,20\n');
    let r = metdb('drift', bad, '--out', join(dir, 'bad-out'));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`metdb: ${bad}: line 3, column "x [nm]": "oops" is not a number`);
    writeFileSync(bad, 'frame,x,y\n1,10,20\n');
    r = metdb('drift', bad, '--out', join(dir, 'bad-out'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing column "x \[nm\]"/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    r = metdb('drift', join(dir, 'missing.csv'), '--out', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read .*missing\.csv: ENOENT/);
    expect(metdb('drift', input).code).toBe(2);
    expect(metdb('drift', input, '--out', dir, '--interpolation', 'quadratic').code).toBe(2);
    expect(metdb('drift', input, '--out', dir, '--columns', 'frame').code).toBe(2);
    expect(metdb('drift', input, '--out', dir, '--bin-frames', '0').code).toBe(2);
    // Seven cold CLI processes (tsx transpiles each): minutes on a loaded 2-core machine.
  }, 300_000);
});
