import { readFile, readdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { MetdbError } from '../shared/errors/metdb-error.js';
import type { DecodedImage } from '../shared/imaging/image-info.js';
import { readImageFile } from '../shared/imaging/read-image-file.js';
import { toMicrometres } from '../shared/imaging/pixel-size.js';
import { readTiffStructure } from '../shared/imaging/tiff-structure.js';
import { omeStagePosition } from '../shared/stitching/ome-stage-position.js';
import { gridLayout } from '../shared/stitching/grid-layout.js';
import type { LayoutSource } from '../shared/stitching/layout-source.js';
import { parseTileConfiguration } from '../shared/stitching/parse-tile-configuration.js';
import { folderSink } from '../shared/outputs/output-sink.js';
import {
  writeMosaicImage,
  writeStitchReport,
  writeStitchTables,
} from '../shared/outputs/write-stitch-outputs.js';
import { stitchTiles, type StitchResult, type StitchTilesOptions } from '../shared/stitching/stitch-tiles.js';
import type { TileLayout } from '../shared/stitching/tile-layout.js';
import { IMAGE_EXTENSIONS } from './run-folder.js';

export interface StitchFolderOptions extends StitchTilesOptions {
  readonly dir: string;
  readonly layout: LayoutSource;
  readonly out: string;
  /** Channel registered (all channels are fused). @default 0 */
  readonly channel?: number;
  /** Write the fused mosaic (`mosaic.ome.tif`). @default true */
  readonly fuse?: boolean;
}

export interface StitchFolderResult {
  readonly result: StitchResult;
  /** Output files written, by role. */
  readonly outputs: Readonly<Record<string, string>>;
  /** Wall-clock seconds per step (read, register, fuse, write). */
  readonly seconds: Readonly<Record<string, number>>;
}

/**
 * `metdb stitch`: reads the tiles of a folder and their layout, stitches them (`stitchTiles`),
 * and writes `TileConfiguration.registered.txt` (Fiji), `positions.csv`, `positions.json`, the
 * fused `mosaic.ome.tif` (every channel, linear blending, the tiles' pixel size) and `report.html`
 * (alignment map) into `out`.
 *
 * @throws MetdbError for a layout naming missing files, tiles of different sizes or channel
 *   counts, a layout where no tiles overlap
 */
export async function stitchFolder(options: StitchFolderOptions): Promise<StitchFolderResult> {
  const { dir, out, channel = 0, fuse = true } = options;
  const clock = stopwatch();
  const names = await layoutNames(dir, options.layout);
  const tiles = await Promise.all(names.map((n) => readImageFile(join(dir, n), { channel })));
  checkPlanar(tiles, names);
  const [height, width] = tiles[0]!.array.shape as [number, number];
  const layout: TileLayout =
    options.layout.kind === 'file'
      ? await readLayout(options.layout.path)
      : options.layout.kind === 'ome'
        ? await omeLayout(dir, names, tiles)
        : gridLayout(names, { ...options.layout, width, height });
  const seconds: Record<string, number> = { read: clock() };
  const result = stitchTiles(
    tiles.map((t) => t.array),
    layout,
    options,
  );
  seconds['register'] = clock();
  const sink = folderSink(out);
  const outputs: Record<string, string> = await writeStitchTables(sink, result, tiles[0]!.info.pixelSize);
  if (fuse) {
    const channels = tiles[0]!.info.channels;
    Object.assign(
      outputs,
      await writeMosaicImage(sink, {
        result,
        channels,
        // The registered channel is decoded already; the others are read one channel at a time.
        readChannel: async (c) =>
          c === channel
            ? tiles.map((t) => t.array)
            : (await Promise.all(names.map((n) => readImageFile(join(dir, n), { channel: c })))).map(
                (t) => t.array,
              ),
        pixelType: tiles[0]!.info.pixelType,
        pixelSize: tiles[0]!.info.pixelSize,
      }),
    );
    seconds['fuse'] = clock();
  }
  const facts: Record<string, string> = {
    layout:
      options.layout.kind === 'ome'
        ? 'OME stage positions'
        : options.layout.kind === 'file'
          ? options.layout.path
          : `grid ${options.layout.rows}x${options.layout.columns}, ${options.layout.order}`,
    'registration channel': String(channel),
    seconds: Object.entries(seconds)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', '),
  };
  outputs['report'] = await writeStitchReport(sink, {
    dataset: basename(resolve(dir)),
    result,
    finishedAt: new Date(),
    facts,
  });
  seconds['write'] = clock();
  return { result, outputs, seconds };
}

/** The tile files, in layout order; every file named must exist. */
async function layoutNames(dir: string, source: LayoutSource): Promise<string[]> {
  const present = await readdir(dir).catch((error: unknown) => {
    throw new MetdbError('not-found', `${dir}: cannot list the tiles' folder (${(error as Error).message})`);
  });
  if (source.kind !== 'file') {
    const images = present.filter(
      (n) => !n.startsWith('.') && IMAGE_EXTENSIONS.includes(extname(n).toLowerCase()),
    );
    return images.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  }
  const names = (await readLayout(source.path)).tiles.map((t) => t.name);
  const have = new Set(present);
  const missing = names.filter((n) => !have.has(n));
  if (missing.length > 0) {
    const shown =
      missing.slice(0, 3).join(', ') + (missing.length > 3 ? ` and ${missing.length - 3} more` : '');
    throw new MetdbError(
      'not-found',
      `${source.path} names ${missing.length} file(s) missing from ${dir}: ${shown}`,
    );
  }
  return names;
}

/** Nominal positions from the tiles' OME stage positions, micrometres over the pixel size. */
async function omeLayout(
  dir: string,
  names: readonly string[],
  tiles: readonly DecodedImage[],
): Promise<TileLayout> {
  const positions = await Promise.all(
    names.map(async (name) => {
      try {
        const description = readTiffStructure(new Uint8Array(await readFile(join(dir, name)))).description;
        return description === undefined ? undefined : omeStagePosition(description);
      } catch {
        return undefined;
      }
    }),
  );
  const missing = names.filter((_, k) => positions[k] === undefined);
  const size = tiles[0]!.info.pixelSize;
  if (missing.length > 0 || size === null) {
    throw new MetdbError(
      'invalid-argument',
      size === null
        ? `${names[0]}: no pixel size to turn OME stage positions into pixels; give --layout FILE or --grid`
        : `no OME stage position in ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}; give --layout FILE or --grid`,
    );
  }
  const px = toMicrometres(size.x, size.unit);
  const py = toMicrometres(size.y, size.unit);
  return { tiles: names.map((name, k) => ({ name, x: positions[k]!.x / px, y: positions[k]!.y / py })) };
}

async function readLayout(path: string): Promise<TileLayout> {
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new MetdbError('not-found', `${path}: cannot read the layout (${(error as Error).message})`);
  });
  return parseTileConfiguration(text, path);
}

function checkPlanar(tiles: readonly DecodedImage[], names: readonly string[]): void {
  const first = tiles[0]!;
  tiles.forEach((t, k) => {
    if (t.info.depth !== 1)
      throw new MetdbError(
        'invalid-argument',
        `${names[k]}: a stack of ${t.info.depth} planes; tiles must be 2D`,
      );
    if (t.info.channels !== first.info.channels) {
      throw new MetdbError(
        'shape-mismatch',
        `tiles of different channel counts: ${names[k]} has ${t.info.channels}, ${names[0]} has ${first.info.channels}`,
      );
    }
  });
}

function stopwatch(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const s = (now - last) / 1000;
    last = now;
    return s;
  };
}
