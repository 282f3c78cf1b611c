import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { similarityPair, type SimilarityTruth } from '../../bench/similarity-pair.js';
import { runFolder, type RunSummary } from '../../local/run-folder.js';
import { decodeChannels, type ImageChannels } from '../../shared/imaging/image-channels.js';
import { encodeChannelsTiff } from '../../shared/imaging/encode-channels-tiff.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import type { NdArray } from '../../shared/ndarray/ndarray.js';
import { interiorNcc } from '../support/interior-ncc.js';
import { hasPython, runPython, TIFFFILE_READ } from '../support/python-readers.js';

// A two-channel series (OME-TIFF, 0.65 µm pixels): channel 0 the cell's phase image, channel 1 the
// camera, both moved by one known similarity per frame (2 % noise, content entering and leaving
// at the borders). It is registered on channel 1 alone with the similarity model; every channel of
// the registered images must come out aligned, in order, named, at the same pixel size.
const NAMES = ['Phase', 'Camera'];
const PIXEL = 0.65;
/** The central 256² of the 512² frames: inside every frame's overlap. */
const CENTRE = { width: 512, height: 512, margin: 128 };
const truths: Record<string, SimilarityTruth> = {
  'frame_1.tif': { angle: 17.5, scale: 1.06, shift: [4.5, -3.25] },
  'frame_2.tif': { angle: -41, scale: 0.93, shift: [-6, 2.5] },
};
let parent: string;
let summary: RunSummary;
let reference: ImageChannels;
const originals = new Map<string, ImageChannels>();

function channelsOf(channels: NdArray<Float32Array>[]): ImageChannels {
  return {
    channels,
    names: NAMES,
    pixelSize: { x: PIXEL, y: PIXEL, z: null, unit: 'µm' },
    metadataFormat: 'ome',
  };
}

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'metdb-channels-'));
  const folder = join(parent, 'series');
  mkdirSync(folder);
  const sources = await Promise.all(
    ['cell.png', 'camera.png'].map(
      async (f) =>
        (await readImageFile(new URL(`../fixtures/similarity/${f}`, import.meta.url).pathname)).array,
    ),
  );
  for (const [file, truth] of Object.entries(truths)) {
    const pairs = sources.map((s, c) => similarityPair(s, truth, 0.02, 10 * c + file.length));
    const moving = channelsOf(pairs.map((p) => p.moving));
    originals.set(file, moving);
    writeFileSync(join(folder, file), encodeChannelsTiff(moving));
    reference ??= channelsOf(pairs.map((p) => p.reference));
  }
  writeFileSync(join(folder, 'frame_0.tif'), encodeChannelsTiff(reference));
  writeFileSync(
    join(folder, 'metdb.json'),
    JSON.stringify({ model: 'similarity', channel: 1, reference: 'frame_0.tif' }),
  );
  summary = await runFolder(folder, { workers: 1, out: join(parent, 'out'), average: 'overlap' });
}, 240_000);
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('a two-channel series registered on channel 1 with the similarity model', () => {
  it('finds each frame good, with the transform of its frames', () => {
    const json = JSON.parse(readFileSync(summary.outputs.shiftsJson, 'utf8')) as {
      images: { file: string; quality: string; angle: number; scale: number }[];
    };
    for (const [file, truth] of Object.entries(truths)) {
      const image = json.images.find((i) => i.file === file)!;
      expect(image.quality).toBe('good');
      expect(image.angle).toBeCloseTo(truth.angle, 1);
      expect(image.scale).toBeCloseTo(truth.scale, 2);
    }
  });

  it('writes every channel aligned, in order, with its name and the pixel size', async () => {
    for (const file of Object.keys(truths)) {
      const path = join(summary.out, 'registered', file.replace(/\.tif$/, '.ome.tif'));
      expect(summary.outputs.registered).toContain(path);
      const moved = await decodeChannels(readFileSync(path));
      expect(moved.names).toEqual(NAMES);
      expect(moved.pixelSize).toMatchObject({ x: PIXEL, y: PIXEL, unit: 'µm' });
      expect(moved.channels).toHaveLength(2);
      // Channel 0 was never registered on: it is aligned because the transform of channel 1 moved it.
      for (let c = 0; c < 2; c++) {
        const after = interiorNcc(moved.channels[c]!.data, reference.channels[c]!.data, CENTRE);
        const before = interiorNcc(
          originals.get(file)!.channels[c]!.data,
          reference.channels[c]!.data,
          CENTRE,
        );
        expect(after, `${file} channel ${c}`).toBeGreaterThan(0.95);
        expect(before, `${file} channel ${c}`).toBeLessThan(0.8);
      }
      if (!hasPython('tifffile', 'numpy')) continue;
      const seen = runPython<{
        axes: string;
        shape: number[];
        ome?: { names: string[]; x: string; unit: string };
      }>(TIFFFILE_READ, path);
      expect(seen.axes).toBe('CYX');
      expect(seen.shape).toEqual([2, 512, 512]);
      expect(seen.ome?.names).toEqual(NAMES);
      expect(Number(seen.ome?.x)).toBeCloseTo(PIXEL, 6);
    }
    // The stacked average keeps the channels too.
    const average = await decodeChannels(readFileSync(summary.outputs.average!));
    expect(average.names).toEqual(NAMES);
    expect(average.pixelSize?.x).toBeCloseTo(PIXEL, 6);
  });
});
