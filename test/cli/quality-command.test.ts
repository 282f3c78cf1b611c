import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { pairQuality } from '../../shared/quality-metrics/index.js';
import { loadQualityCases, loadQualityImage } from '../quality-metrics/load-quality-fixtures.js';
import { runMetdb } from '../support/run-metdb.js';

const scratch = mkdtempSync(join(tmpdir(), 'metdb-quality-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const metdb = (args: string[]) => runMetdb(args);

describe('metdb quality', () => {
  const c = loadQualityCases().find((k) => k.id.startsWith('cell'))!;
  const a = loadQualityImage(c.a);
  const b = loadQualityImage(c.b);
  const [fileA, fileB] = [join(scratch, 'a.tif'), join(scratch, 'b.tif')];
  writeFileSync(fileA, encodeTiff(a));
  writeFileSync(fileB, encodeTiff(b));

  it('prints every pair metric as JSON, the FRC curve and its cutoffs in pixels and physical units', () => {
    const r = metdb([
      'quality',
      fileA,
      fileB,
      '--box',
      '10,5,128,96',
      '--pixel-size',
      '0.1um',
      '--bins',
      '256',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const got = JSON.parse(r.stdout) as ReturnType<typeof pairQuality> & { a: string; b: string };
    const box = { x: 10, y: 5, width: 128, height: 96 };
    const want = pairQuality(a, b, { box, bins: 256, pixelSize: { value: 0.1, unit: 'µm' } });
    expect(got.box).toEqual(box);
    expect(got.ncc).toBeCloseTo(want.ncc, 12);
    expect(got.nsad).toBeCloseTo(want.nsad, 12);
    expect(got.mi).toEqual(want.mi);
    expect(got.snr).toBeCloseTo(want.snr, 10);
    expect(got.frc.frequency).toHaveLength(48);
    expect(got.frc.correlation).toEqual(want.frc.correlation);
    expect(got.frc.cutoff!.unit).toBe('µm');
    expect(got.frc.cutoff!.resolution).toBeCloseTo(0.1 / got.frc.cutoff!.frequency, 10);
    expect(got.frc.cutoff!.halfBit!.resolutionPx).toBeCloseTo(1 / got.frc.cutoff!.halfBit!.frequency, 10);
  });

  it('gives one image its single-image snr, as text', () => {
    const r = metdb(['quality', fileA]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^.*a\.tif box x=0 y=0 w=150 h=120: snr \d+\.\d\d \(x \d+\.\d\d, y \d+\.\d\d\)/);
  });

  it('refuses bad options in one line with exit code 2, and a missing file with exit code 1', () => {
    for (const bad of [
      ['--box', '1,2,3'],
      ['--bins', '1'],
      ['--pixel-size', '5 parsecs'],
      ['--window', 'kaiser'],
    ]) {
      const r = metdb(['quality', fileA, fileB, ...bad]);
      expect(r.code, bad.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0], bad.join(' ')).toMatch(/^metdb: --(box|bins|pixel-size|window) /);
    }
    const outside = metdb(['quality', fileA, fileB, '--box', '100,0,100,10']);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(
      /^metdb: box x=100 y=0 w=100 h=10 must hold .* inside the 150x120 image\n$/,
    );
    const missing = metdb(['quality', join(scratch, 'missing.tif')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`metdb: ${join(scratch, 'missing.tif')}: no such file\n`);
    // Seven cold CLI processes (tsx transpiles each): minutes on a loaded 2-core machine.
  }, 300_000);
});
