import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignCommand } from '../../cli/align-command.js';
import { runFolder, type RunSummary } from '../../local/run-folder.js';
import { connectDatabase } from '../../shared/adapters/open-database.js';
import { encodeMrc } from '../../shared/imaging/encode-mrc.js';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import type { Matrix3 } from '../../shared/registration/similarity/transform-matrix.js';
import { cornerError, sectionStack, type SectionStack } from '../series/section-stack.js';

// A FIB-SEM stack as one MRC (8 nm voxels): 8 sections of a real tissue section through slowly
// varying affine maps, 3 % noise; metdb.json asks for the affine chain, cropped. metdb run must
// chain it as metdb align does: the same matrices and the same files, within 0.5 px of the truth.
const [N, H, W] = [8, 320, 400];
const SETTINGS = { model: 'affine', tileSize: 64, outputFrame: 'crop' };
let parent: string;
let folder: string;
let made: SectionStack;
let summary: RunSummary;

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'metdb-sections-'));
  folder = join(parent, 'fibsem');
  mkdirSync(folder);
  made = await sectionStack({ n: N, h: H, w: W });
  writeFileSync(join(folder, 'stack.mrc'), encodeMrc(made.stack, { voxelSize: { x: 80, y: 80, z: 80 } }));
  writeFileSync(join(folder, 'metdb.json'), JSON.stringify(SETTINGS));
  summary = await runFolder(folder, { workers: 1, out: join(parent, 'out'), average: false });
}, 300_000);
afterAll(() => rmSync(parent, { recursive: true, force: true }));

interface TransformsJson {
  model: string;
  outputFrame: string;
  sections: { section: number; matrix: Matrix3; tiles: number | null; flagged: string | null }[];
}

describe('metdb run on an MRC stack with "model": "affine"', () => {
  it('chains the sections onto section 0 within 0.5 px of the truth at the corners', () => {
    const [written] = summary.seriesOutputs;
    const json = JSON.parse(readFileSync(written!.transformsJson!, 'utf8')) as TransformsJson;
    expect(json).toMatchObject({ model: 'affine', outputFrame: 'crop' });
    expect(json.sections).toHaveLength(N);
    const errors = json.sections.map((s) => cornerError(s.matrix, made.truth[s.section]!, [H, W]));
    for (const e of errors) expect(e).toBeLessThan(0.5);
    expect(errors.reduce((s, e) => s + e, 0) / N).toBeLessThan(0.3);
    expect(json.sections.every((s) => s.flagged === null)).toBe(true);
    const csv = readFileSync(written!.transformsCsv!, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('section,model,tiles,inliers,residual_rms,flagged,matrix');
    expect(csv).toHaveLength(N + 1);
  });

  it('records one matrix per section in section_matrices (migration 0013)', async () => {
    const handle = await connectDatabase({ kind: 'sqlite', path: join(summary.out, 'metdb.sqlite') });
    try {
      const rows = await handle.db
        .selectFrom('section_matrices')
        .selectAll()
        .orderBy('frame_index')
        .execute();
      expect(rows.map((r) => r.frame_index)).toEqual([...Array(N).keys()]);
      rows.forEach((r, k) => {
        const m: Matrix3 = [
          [r.m00, r.m01, r.m02],
          [r.m10, r.m11, r.m12],
          [0, 0, 1],
        ];
        expect(cornerError(m, made.truth[k]!, [H, W])).toBeLessThan(0.5);
      });
      expect(rows[0]).toMatchObject({ step: null, tiles: null, flagged: null });
      expect(rows.slice(1).every((r) => r.model === 'affine' && r.flagged === null)).toBe(true);
    } finally {
      await handle.close();
    }
  });

  it('writes the same corrected MRC, transforms and quality table as metdb align', async () => {
    const [written] = summary.seriesOutputs;
    expect(written!.corrected).toMatch(/stack_corrected\.mrc$/);
    const aligned = join(parent, 'align', 'stack.mrc');
    mkdirSync(join(parent, 'align'));
    const lines: string[] = [];
    await alignCommand([join(folder, 'stack.mrc'), aligned, '--json'], (l) => lines.push(l));
    const printed = JSON.parse(lines.join('')) as { sections: { matrix: Matrix3 }[] };
    const ours = JSON.parse(readFileSync(written!.transformsJson!, 'utf8')) as TransformsJson;
    // The same tile shifts, points and fit; sums in another order differ in the last bits only.
    ours.sections.forEach((s, k) =>
      s.matrix.forEach((row, i) =>
        row.forEach((v, j) => expect(v).toBeCloseTo(printed.sections[k]!.matrix[i]![j]!, 9)),
      ),
    );
    expect(Buffer.compare(readFileSync(written!.corrected!), readFileSync(aligned))).toBe(0);
    expect(readFileSync(written!.quality!.csv, 'utf8')).toBe(
      readFileSync(join(parent, 'align', 'stack.quality.csv'), 'utf8'),
    );
    const read = await readImageFile(written!.corrected!);
    expect(read.info.pixelSize).toMatchObject({ x: 80, y: 80, unit: 'Å' });
  });
});

describe('metdb run on a multi-page TIFF stack with "model": "scale-shift", padded', () => {
  it('writes the multi-page TIFF and quality table metdb align writes, scale and shift only', async () => {
    const tiff = join(parent, 'tiff');
    mkdirSync(tiff);
    const small = await sectionStack({ n: 4, h: 256, w: 320 });
    writeFileSync(join(tiff, 'stack.tif'), encodeTiff(small.stack));
    const settings = { model: 'scale-shift', tileSize: 64, outputFrame: 'pad' };
    writeFileSync(join(tiff, 'metdb.json'), JSON.stringify(settings));
    const run = await runFolder(tiff, { workers: 1, out: join(parent, 'tiff-out'), average: false });
    const [written] = run.seriesOutputs;
    expect(written!.corrected).toMatch(/stack_corrected\.tif$/);
    await alignCommand([join(tiff, 'stack.tif'), join(parent, 'tiff-aligned.tif')], () => undefined);
    expect(
      Buffer.compare(readFileSync(written!.corrected!), readFileSync(join(parent, 'tiff-aligned.tif'))),
    ).toBe(0);
    expect(readFileSync(written!.quality!.json, 'utf8')).toBe(
      readFileSync(join(parent, 'tiff-aligned.quality.json'), 'utf8'),
    );
    const json = JSON.parse(readFileSync(written!.transformsJson!, 'utf8')) as TransformsJson;
    expect(json.sections.every((s) => s.matrix[0][1] === 0 && s.matrix[1][0] === 0)).toBe(true);
  }, 120_000);
});

describe('metdb run on a stack with a blank section (charging: no signal)', () => {
  it('flags and bridges the steps around it, records why, and keeps the stack low', async () => {
    const folder = join(parent, 'blank');
    mkdirSync(folder);
    const made = await sectionStack({ n: 5, h: 256, w: 320 });
    const plane = 256 * 320;
    made.stack.data.fill(128, 2 * plane, 3 * plane); // section 2 is flat
    writeFileSync(join(folder, 'stack.tif'), encodeTiff(made.stack));
    writeFileSync(join(folder, 'metdb.json'), JSON.stringify({ model: 'affine', tileSize: 64 }));
    const run = await runFolder(folder, { workers: 1, out: join(parent, 'blank-out'), average: false });
    const json = JSON.parse(readFileSync(run.seriesOutputs[0]!.transformsJson!, 'utf8')) as TransformsJson;
    expect(json.sections.map((s) => s.flagged)).toEqual([null, null, 'no-points', 'no-points', null]);
    // Section 1 is measured as it is; the steps around the blank section are the identity.
    expect(cornerError(json.sections[1]!.matrix, made.truth[1]!, [256, 320])).toBeLessThan(0.5);
    expect(json.sections[3]!.matrix).toEqual(json.sections[1]!.matrix);
    const [series] = run.series;
    expect(series!.verdict).toMatchObject({
      quality: 'low',
      reasons: ['2 of 4 steps bridged (sections 2, 3)'],
    });
    const frames = run.results.filter((r) => r.file === 'stack.tif');
    expect(frames.map((r) => r.quality)).toEqual([null, 'good', 'low', 'low', 'good']);
    expect(frames[2]!.qualityReasons).toEqual(['bridged: its step had no-points (the identity)']);
  }, 120_000);
});
