import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../shared/imaging/decode-image.js';
import { encodeMrc } from '../../shared/imaging/encode-mrc.js';
import { parseMrcHeader } from '../../shared/imaging/mrc-header.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { ndarray } from '../../shared/ndarray/ndarray.js';
import { sectionQuality } from '../../shared/quality-metrics/section-quality.js';
import type { Matrix3 } from '../../shared/registration/similarity/transform-matrix.js';
import { warpToReference } from '../../shared/registration/warp-to-reference.js';
import { withNoise } from '../tiling/pixels.js';
import { hasPython, runPython, TIFFFILE_READ } from '../support/python-readers.js';
import { convertToUint8 } from '../../shared/stack-conversion/convert-to-uint8.js';
import { SECTION_QUALITY_COLUMNS } from '../../shared/quality-metrics/section-quality-csv.js';

const root = new URL('../../', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'metdb-align-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('metdb align', () => {
  it('aligns a stack of distorted sections of a real image and writes it as MRC with its voxel size', async () => {
    const base = (await readImageFile(join(root, 'test/fixtures/accuracy/camera.png'))).array;
    const [n, h, w] = [5, 192, 256];
    const data = new Float32Array(n * h * w);
    for (let k = 0; k < n; k++) {
      const m: Matrix3 = [
        [1 + 0.003 * k, 0.002 * k, 100 - 6.5 * k],
        [-0.001 * k, 1, 120 + 1.5 * k],
        [0, 0, 1],
      ];
      // m maps section k's pixels to the canvas: the section shows the canvas through it.
      const section = withNoise(warpToReference(base, invert(m), { outputShape: [h, w] }), 0.03 * 255, 7 + k);
      data.set(section.data, k * h * w);
    }
    const stack = ndarray(data, [n, h, w]);
    const input = join(scratch, 'stack.mrc');
    writeFileSync(input, encodeMrc(stack, { voxelSize: { x: 50, y: 50, z: 80 } }));
    const output = join(scratch, 'aligned.mrc');
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'cli/main.ts'), 'align', input, output, '--tile', '64', '--json'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as {
      sections: { flagged: string | null; tiles: number | null }[];
      quality: { summary: { ncc: { median: number } } };
    };
    expect(report.sections).toHaveLength(5);
    expect(report.sections.every((s) => s.flagged === null)).toBe(true);
    const bytes = readFileSync(output);
    expect(parseMrcHeader(bytes).voxelSize.map((v) => Math.round(v))).toEqual([50, 50, 80]);
    const aligned = (await decodeImage(bytes)).array;
    expect(aligned.shape).toEqual([5, 192, 256]);
    const box = { x: 30, y: 30, width: 180, height: 120 };
    const before = sectionQuality(stack, { box, bins: 256 }).summary.ncc.median;
    const after = sectionQuality(aligned, { box, bins: 256 }).summary.ncc.median;
    expect(after).toBeGreaterThan(before + 0.1);
    expect(after).toBeGreaterThan(0.9);
    expect(report.quality.summary.ncc.median).toBeGreaterThan(0.5);
    // The per-section table beside the output, over the region every section covers, and the report.
    const csv = readFileSync(join(scratch, 'aligned.quality.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(SECTION_QUALITY_COLUMNS.join(','));
    expect(csv).toHaveLength(1 + 4 + 3);
    const json = JSON.parse(readFileSync(join(scratch, 'aligned.quality.json'), 'utf8')) as {
      sections: { section: number; ncc: number; box: { x: number; width: number } }[];
    };
    expect(json.sections.map((q) => q.section)).toEqual([1, 2, 3, 4]);
    csv
      .slice(1, 5)
      .forEach((row, k) => expect(Number(row.split(',')[6])).toBeCloseTo(json.sections[k]!.ncc, 5));
    // Section 4 shows content 26 px left of section 0's: the box ends inside every section.
    expect(json.sections[0]!.box.x).toBe(0);
    expect(json.sections[0]!.box.width).toBeLessThan(256 - 20);
    for (const q of json.sections) expect(q.ncc).toBeGreaterThan(0.9);
    const html = readFileSync(join(scratch, 'aligned.report.html'), 'utf8');
    expect(html).toContain('<h2>Registration quality through the stack</h2>');
    expect(html.match(/<circle[^>]*><title>\d+: ncc = /g)).toHaveLength(4);
    expect(html).toContain('id="plot-stack-shift"');
  });
});

describe('metdb align settings from metdb.json', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli/main.ts'), 'align', ...args], {
      cwd: root,
      encoding: 'utf8',
    });

  it('takes the model, preserveScales and subtractLinearFit from the stack folder or --config', async () => {
    const base = (await readImageFile(join(root, 'test/fixtures/accuracy/camera.png'))).array;
    const [n, h, w] = [6, 128, 128];
    const data = new Float32Array(n * h * w);
    for (let k = 0; k < n; k++) {
      // A steady drift of 2 px per section in x.
      const m: Matrix3 = [
        [1, 0, -(150 + 2 * k)],
        [0, 1, -200],
        [0, 0, 1],
      ];
      data.set(
        withNoise(warpToReference(base, m, { outputShape: [h, w], order: 1 }), 0.03 * 255, 40 + k).data,
        k * h * w,
      );
    }
    const folder = mkdtempSync(join(scratch, 'settings-'));
    const input = join(folder, 'stack.mrc');
    writeFileSync(input, encodeMrc(ndarray(data, [n, h, w])));
    writeFileSync(
      join(folder, 'metdb.json'),
      JSON.stringify({
        model: 'translation',
        tileSize: 64,
        preserveScales: true,
        fitParams: ['LF'],
        subtractLinearFit: [true, false],
      }),
    );
    type Out = { model: string; sections: { matrix: Matrix3 }[] };
    const detrended = cli(input, join(folder, 'a.mrc'), '--json');
    expect(detrended.stderr).toBe('');
    const got = JSON.parse(detrended.stdout) as Out;
    expect(got.model).toBe('translation');
    // The 2 px per section drift is subtracted: x translations about 0; y untouched (0 anyway).
    for (const s of got.sections) expect(Math.abs(s.matrix[0][2])).toBeLessThan(0.3);
    const plain = join(folder, 'plain.json');
    writeFileSync(plain, JSON.stringify({ model: 'translation', tileSize: 64 }));
    const kept = JSON.parse(cli(input, join(folder, 'b.mrc'), '--json', '--config', plain).stdout) as Out;
    expect(kept.sections[5]!.matrix[0][2]).toBeCloseTo(10, 0);

    writeFileSync(join(folder, 'metdb.json'), JSON.stringify({ fitParams: ['XX', 3] }));
    const bad = cli(input, join(folder, 'c.mrc'));
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/metdb\.json: fitParams/);
  });
});

describe('metdb align output frames, read back by tifffile and mrcfile', () => {
  it.skipIf(!hasPython('numpy', 'tifffile', 'mrcfile'))(
    'crop writes only pixels every section covers, pad holds every section whole',
    async () => {
      const base = (await readImageFile(join(root, 'test/fixtures/accuracy/camera.png'))).array;
      const [n, h, w] = [4, 128, 160];
      const data = new Uint16Array(n * h * w);
      const moves = [
        [0, 0],
        [6.5, -3.5],
        [-4.5, 5.5],
        [2.5, 8.5],
      ];
      moves.forEach(([dx, dy], k) => {
        const m: Matrix3 = [
          [1, 0, -(150 + dx!)],
          [0, 1, -(180 + dy!)],
          [0, 0, 1],
        ];
        const section = withNoise(warpToReference(base, m, { outputShape: [h, w], order: 1 }), 3, 60 + k);
        section.data.forEach((v, i) => (data[k * h * w + i] = Math.round(1000 + 10 * v)));
      });
      const folder = mkdtempSync(join(scratch, 'frames-'));
      const input = join(folder, 'stack.mrc');
      writeFileSync(input, encodeMrc(ndarray(data, [n, h, w]), { voxelSize: { x: 40, y: 40, z: 60 } }));
      const run = (out: string, frame: string, ...more: string[]) =>
        spawnSync(
          process.execPath,
          [
            '--import',
            'tsx',
            join(root, 'cli/main.ts'),
            'align',
            input,
            out,
            '--model',
            'translation',
            '--tile',
            '64',
            '--frame',
            frame,
            '--json',
            ...more,
          ],
          { cwd: root, encoding: 'utf8' },
        );
      const cropped = run(join(folder, 'crop.tif'), 'crop');
      expect(cropped.stderr).toBe('');
      const padded = run(join(folder, 'pad.mrc'), 'pad');
      expect(padded.stderr).toBe('');
      type Frame = { frame: { x: number; y: number; width: number; height: number } };
      const crop = (JSON.parse(cropped.stdout) as Frame).frame;
      const pad = (JSON.parse(padded.stdout) as Frame).frame;
      // Section k shows the canvas moved by (dx, dy): onto section 0 it moves by +(dx, dy).
      // (Half-pixel moves keep the rounded edges away from the measurement's last digits.)
      expect(crop).toEqual({ x: 7, y: 9, width: 148, height: 115 });
      expect(pad).toEqual({ x: -5, y: -4, width: 172, height: 141 });
      const read = runPython<{
        tif: number[];
        tifDtype: string;
        tifMin: number;
        mrc: number[];
        voxel: number[];
        valid: boolean;
        counts: number[];
      }>(
        String.raw`
import json, sys, io, contextlib, numpy as np, tifffile, mrcfile
t = tifffile.imread(sys.argv[1])
with mrcfile.open(sys.argv[2]) as m:
    a = np.asarray(m.data); v = m.voxel_size
with contextlib.redirect_stdout(io.StringIO()):
    ok = mrcfile.validate(sys.argv[2])
print(json.dumps({'tif': list(t.shape), 'tifDtype': str(t.dtype), 'tifMin': int(t.min()), 'mrc': list(a.shape),
  'voxel': [float(v.x), float(v.y), float(v.z)], 'valid': bool(ok), 'counts': [int((s > 0).sum()) for s in a]}))`,
        join(folder, 'crop.tif'),
        join(folder, 'pad.mrc'),
      );
      expect(read.tif).toEqual([n, crop.height, crop.width]);
      expect(read.tifDtype).toBe('uint16');
      expect(read.tifMin).toBeGreaterThan(500); // no empty (zero) pixel in the cropped stack
      expect(read.mrc).toEqual([n, pad.height, pad.width]);
      expect(read.voxel.map((v) => Math.round(v))).toEqual([40, 40, 60]);
      expect(read.valid).toBe(true);
      // Every section is whole in the padded stack: about h x w pixels with data each.
      for (const c of read.counts) expect(Math.abs(c - h * w)).toBeLessThan(0.02 * h * w);

      // 8 bits from the raw sections' global range, then z binned by 2 (the toolkit's I8 zbin2x).
      const small = join(folder, 'i8-zbin2.tif');
      const eight = run(small, 'crop', '--uint8', '--bin-z', '2');
      expect(eight.stderr).toBe('');
      const range = (JSON.parse(eight.stdout) as { uint8: { min: number; max: number } }).uint8;
      const direct = convertToUint8(ndarray(data, [n, h, w]));
      expect(range).toEqual({ min: direct.min[0], max: direct.max[0] });
      const tif = runPython<{ shape: number[]; dtype: string; imagej: { spacing: number; x: number } }>(
        TIFFFILE_READ,
        small,
      );
      expect(tif.shape).toEqual([2, 115, 148]);
      expect(tif.dtype).toBe('uint8');
      expect(tif.imagej.spacing / tif.imagej.x).toBeCloseTo((2 * 60) / 40, 6);
    },
  );
});

function invert(m: Matrix3): Matrix3 {
  const [[a, b, c], [d, e, f]] = m;
  const det = a * e - b * d;
  return [
    [e / det, -b / det, (b * f - c * e) / det],
    [-d / det, a / det, (c * d - a * f) / det],
    [0, 0, 1],
  ];
}
