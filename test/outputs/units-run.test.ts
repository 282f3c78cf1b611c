import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFolder, type RunSummary } from '../../local/run-folder.js';
import { connectDatabase } from '../../shared/adapters/open-database.js';
import { decodeChannels } from '../../shared/imaging/image-channels.js';
import { hasPython, runPython, TIFFFILE_READ } from '../support/python-readers.js';
import { interiorNcc } from '../support/interior-ncc.js';

/** The 160 x 192 images, away from a 12-pixel border. */
const BOX = { width: 192, height: 160, margin: 12 };

const PAIR = new URL('../fixtures/units/bbbc022_pair/', import.meta.url).pathname;
const PIXEL = 0.0515; // µm, the ImageJ resolution of both files
let parent: string;
let summary: RunSummary;

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'metdb-units-'));
  const folder = join(parent, 'bbbc022');
  cpSync(PAIR, folder, { recursive: true });
  summary = await runFolder(folder, { workers: 1, out: join(parent, 'out'), average: false });
}, 120_000);
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('a run on 3-channel ImageJ files at 0.0515 µm', () => {
  it('writes the registered image with every channel, its name and the pixel size', async () => {
    const path = join(summary.out, 'registered', 'b_moving.tif');
    expect(summary.outputs.registered).toContain(path);
    const moved = await decodeChannels(readFileSync(path));
    const reference = await decodeChannels(readFileSync(join(PAIR, 'a_reference.tif')));
    const original = await decodeChannels(readFileSync(join(PAIR, 'b_moving.tif')));
    expect(moved.names).toEqual(['Hoechst', 'ER', 'Mito']);
    expect(moved.metadataFormat).toBe('imagej');
    expect(moved.pixelSize?.x).toBeCloseTo(PIXEL, 6);
    // Every channel moved onto the reference: inside the overlap it matches (the shift is whole pixels).
    for (let c = 0; c < 3; c++) {
      const after = interiorNcc(moved.channels[c]!.data, reference.channels[c]!.data, BOX);
      const before = interiorNcc(original.channels[c]!.data, reference.channels[c]!.data, BOX);
      expect(after, `channel ${c}`).toBeGreaterThan(0.995);
      expect(before, `channel ${c}`).toBeLessThan(0.97);
    }
    if (!hasPython('tifffile', 'numpy')) return;
    const seen = runPython<{
      axes: string;
      shape: number[];
      imagej: { unit: string; labels: string[]; x: number };
    }>(TIFFFILE_READ, path);
    expect(seen.axes).toBe('CYX');
    expect(seen.shape).toEqual([3, 160, 192]);
    expect(seen.imagej.labels).toEqual(['Hoechst', 'ER', 'Mito']);
    expect(seen.imagej.unit).toBe('micron');
    expect(seen.imagej.x).toBeCloseTo(PIXEL, 6);
  });

  it('stores the pixel size on the image rows', async () => {
    const handle = await connectDatabase({ kind: 'sqlite', path: join(summary.out, 'metdb.sqlite') });
    try {
      const rows = await handle.db
        .selectFrom('images')
        .select(['source_object', 'pixel_size_x', 'pixel_size_y', 'pixel_size_z', 'pixel_size_unit'])
        .orderBy('source_object')
        .execute();
      expect(rows.map((r) => r.pixel_size_unit)).toEqual(['µm', 'µm']);
      for (const r of rows) {
        expect(r.pixel_size_x).toBeCloseTo(PIXEL, 9);
        expect(r.pixel_size_y).toBeCloseTo(PIXEL, 9);
        expect(r.pixel_size_z).toBeNull();
      }
    } finally {
      await handle.close();
    }
  });

  it('writes shifts.json with pixelSize and shiftUm = shift x pixel size', () => {
    const json = JSON.parse(readFileSync(summary.outputs.shiftsJson, 'utf8')) as {
      images: {
        file: string;
        shift: number[];
        shiftUm: number[] | null;
        pixelSize: { x: number; y: number; z: number | null; unit: string } | null;
        residualRms: number | null;
        residualRmsUm: number | null;
      }[];
    };
    const moving = json.images.find((i) => i.file === 'b_moving.tif')!;
    // The known shift of the pair is (3, -5) px.
    expect(Math.abs(moving.shift[0]! - 3)).toBeLessThan(0.1);
    expect(Math.abs(moving.shift[1]! + 5)).toBeLessThan(0.1);
    expect(moving.pixelSize?.unit).toBe('µm');
    expect(moving.pixelSize?.x).toBeCloseTo(PIXEL, 9);
    expect(moving.pixelSize?.y).toBeCloseTo(PIXEL, 9);
    expect(moving.pixelSize?.z).toBeNull();
    expect(moving.shiftUm![0]).toBeCloseTo(moving.shift[0]! * PIXEL, 9);
    expect(moving.shiftUm![1]).toBeCloseTo(moving.shift[1]! * PIXEL, 9);
    expect(moving.residualRmsUm).toBeCloseTo(moving.residualRms! * PIXEL, 9);
  });

  it('writes _um columns in shifts.csv and both units in the report', () => {
    const [header, ...lines] = readFileSync(summary.outputs.shiftsCsv, 'utf8').trim().split('\n');
    const columns = header!.split(',');
    for (const c of ['shift_y_um', 'shift_x_um', 'residual_rms_um', 'residual_max_um', 'pixel_size_x_um'])
      expect(columns).toContain(c);
    const row = lines.map((l) => l.split(',')).find((cells) => cells[1] === 'b_moving.tif')!;
    const cell = (name: string) => Number(row[columns.indexOf(name)]);
    expect(cell('shift_x_um')).toBeCloseTo(cell('shift_x') * PIXEL, 3);
    expect(cell('pixel_size_x_um')).toBeCloseTo(PIXEL, 6);
    const report = readFileSync(summary.outputs.report, 'utf8');
    expect(report).toContain('shift x (px)');
    expect(report).toContain('shift x (µm)');
    expect(report).toContain('0.0515 µm');
  });
});
