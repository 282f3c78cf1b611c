import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import FileSystemStore from '@zarrita/storage/fs';
import * as zarr from 'zarrita';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeChannels } from '../../shared/imaging/image-channels.js';
import { writeOmeZarr } from '../../shared/outputs/ome-zarr.js';
import { folderSink } from '../../shared/outputs/output-sink.js';
import { sinkStore } from '../../shared/outputs/sink-store.js';
import { hasPython, runPython, ZARR_V3_READ } from '../support/python-readers.js';

const fixtures = new URL('../fixtures/units/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'metdb-zarr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

describe('writeOmeZarr on a registered series of 3-channel images at 0.0515 µm', async () => {
  const reference = await decodeChannels(readFileSync(join(fixtures, 'bbbc022_pair/a_reference.tif')));
  const moving = await decodeChannels(readFileSync(join(fixtures, 'bbbc022_pair/b_moving.tif')));
  const root = join(dir, 'series.ome.zarr');
  const store = sinkStore(folderSink(dir), 'series.ome.zarr');
  const written = await writeOmeZarr(store, [reference, moving], { name: 'pair', minSize: 40 });

  it('writes t, c, y, x with a pyramid down to the smallest size', () => {
    expect(written).toEqual({ shape: [2, 3, 160, 192], levels: 3 }); // 160 -> 80 -> 40
  });

  it('reads back through zarrita with the same pixels', async () => {
    const group = await zarr.open(new FileSystemStore(root), { kind: 'group' });
    const level0 = await zarr.open(group.resolve('0'), { kind: 'array' });
    expect(level0.shape).toEqual([2, 3, 160, 192]);
    const plane = await zarr.get(level0, [1, 2, null, null]);
    expect(Array.from(plane.data as Uint16Array)).toEqual(Array.from(moving.channels[2]!.data));
  });

  it.skipIf(!hasPython('numpy'))('reads back independently: NGFF 0.5 metadata, units, scales, pixels', () => {
    const seen = runPython<{
      version: string;
      axes: { name: string; type: string; unit?: string }[];
      labels: string[];
      levels: { path: string; shape: number[]; scale: number[]; sums: number[][] }[];
      zarr_python?: number[];
    }>(ZARR_V3_READ, root);
    expect(seen.version).toBe('0.5');
    expect(seen.axes).toEqual([
      { name: 't', type: 'time' },
      { name: 'c', type: 'channel' },
      { name: 'y', type: 'space', unit: 'micrometer' },
      { name: 'x', type: 'space', unit: 'micrometer' },
    ]);
    expect(seen.labels).toEqual(['Hoechst', 'ER', 'Mito']);
    expect(seen.levels.map((l) => l.shape)).toEqual([
      [2, 3, 160, 192],
      [2, 3, 80, 96],
      [2, 3, 40, 48],
    ]);
    seen.levels.forEach((l, k) => {
      expect(l.scale.slice(0, 2)).toEqual([1, 1]);
      expect(l.scale[2]).toBeCloseTo(0.0515 * 2 ** k, 6);
      expect(l.scale[3]).toBeCloseTo(0.0515 * 2 ** k, 6);
    });
    expect(seen.levels[0]!.sums).toEqual([reference, moving].map((f) => f.channels.map((c) => sum(c.data))));
    // A level is the 2 x 2 mean of the one above: its sum is a quarter of it (up to rounding).
    const ratio = seen.levels[1]!.sums[0]![0]! / seen.levels[0]!.sums[0]![0]!;
    expect(ratio).toBeCloseTo(0.25, 3);
    if (seen.zarr_python !== undefined) expect(seen.zarr_python).toEqual([2, 3, 160, 192]);
  });
});
