/**
 * The reference tiles hint: what a local run tells its workers once the reference is decoded, so
 * that a worker waiting for its first tiles prepares the reference tiles they will ask for.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeImage } from '../../shared/imaging/decode-image.js';
import type { LocalRunConfig } from '../../shared/local/local-run-config.js';
import { createWorkerHandler } from '../../shared/local/pipeline-worker-handler.js';
import { parseReferenceTilesHint, referenceTilesHint } from '../../shared/local/reference-tiles-hint.js';
import { sharedDecodedImage } from '../../shared/local/shared-decoded-image.js';
import { SCHEMA_VERSION } from '../../shared/messages/parse-message.js';
import { parseTileMessage } from '../../shared/messages/tile-message.js';
import { resolveJobParams, type DatasetSettings } from '../../shared/pipeline/dataset-settings.js';
import { referenceTileKey, registerTileParams } from '../../shared/pipeline/measure-tile.js';
import { DEFAULT_PIPELINE_LIMITS } from '../../shared/pipeline/pipeline-deps.js';
import { tilePlan } from '../../shared/pipeline/plan-registration.js';
import { preparedTiles } from '../../shared/pipeline/prepared-tile-cache.js';
import { SERIES } from '../pipeline/pipeline-fixture.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const settings: DatasetSettings = {
  tileSize: 64,
  tileOverlap: 0.5,
  upsampleFactor: 20,
  preprocessing: { window: 'hann' },
};

/** The cache key of a reference tile with its registration options, as `measureTile` looks it up. */
function cacheKey(
  reference: { bucket?: string | undefined; path: string },
  region: { start: number[]; size: number[] },
  params: Parameters<typeof registerTileParams>[0],
): string {
  return `${referenceTileKey(reference, params.channel, region)} ${JSON.stringify(registerTileParams(params))}`;
}

describe('the reference tiles hint', () => {
  it('names the reference tiles exactly as the tile messages the planner publishes', () => {
    const shape = [300, 257];
    const hint = parseReferenceTilesHint(
      referenceTilesHint('results', 'datasets/d/images/r.tif', shape, settings),
    );
    expect(hint).toBeDefined();
    const { tiles, tileParams } = tilePlan(shape, resolveJobParams(shape.length, settings));
    expect(hint!.regions).toHaveLength(tiles.length);
    const image = {
      imageId: randomUUID(),
      bucket: 'results',
      path: 'datasets/d/images/r.tif',
      shape,
      pixelType: 'uint16',
    };
    tiles.forEach((tile, i) => {
      // As a worker gets it: validated by the bus.
      const m = parseTileMessage({
        schemaVersion: SCHEMA_VERSION,
        jobId: randomUUID(),
        tileIndex: i,
        tileCount: tiles.length,
        datasetId: randomUUID(),
        reference: image,
        moving: { ...image, imageId: randomUUID(), path: 'datasets/d/images/m.tif' },
        region: { start: [...tile.start], size: [...tile.size] },
        params: tileParams,
      });
      expect(cacheKey(hint!, hint!.regions[i]!, hint!.params)).toBe(
        cacheKey(m.reference, m.region, m.params),
      );
    });
  });

  it('is prepared by a worker while it waits for its first tiles, and ignored after them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'metdb-hint-'));
    dirs.push(root);
    const config: LocalRunConfig = {
      database: { kind: 'sqlite', path: join(root, 'metdb.sqlite') },
      blobsRoot: join(root, 'blobs'),
      uploadsRoot: root,
      dataset: 'd',
      limits: DEFAULT_PIPELINE_LIMITS,
    };
    const handler = await createWorkerHandler(config);
    const decoded = await decodeImage(readFileSync(`${SERIES}/frame_00.tif`));
    const shape = decoded.array.shape;
    const path = `datasets/d/images/${randomUUID()}.tif`;
    handler.receive!(sharedDecodedImage(path, decoded));
    const hint = referenceTilesHint('metdb-results', path, shape, settings);
    handler.receive!(hint);
    // One tile per turn of the event loop: give it the turns.
    for (let i = 0; i <= hint.regions.length; i++) await new Promise((resolve) => setImmediate(resolve));
    const parsed = parseReferenceTilesHint(hint)!;
    const params = registerTileParams(parsed.params);
    let prepared = 0;
    for (const region of parsed.regions) {
      preparedTiles.get(
        referenceTileKey(parsed, parsed.params.channel, region),
        () => {
          prepared++; // not in the cache: prepared now
          return { data: new Uint16Array(region.size[0]! * region.size[1]!), shape: region.size };
        },
        params,
      );
    }
    expect(prepared).toBe(0);

    // After a unit, the worker's own tiles prepare what they need: a new hint is left alone.
    await handler.handleBatch!([{ message: { not: 'a tile' }, attributes: {} }], 'tiles');
    const later = referenceTilesHint(
      'metdb-results',
      `datasets/d/images/${randomUUID()}.tif`,
      shape,
      settings,
    );
    handler.receive!(sharedDecodedImage(later.path, decoded));
    handler.receive!(later);
    for (let i = 0; i <= 4; i++) await new Promise((resolve) => setImmediate(resolve));
    let missing = 0;
    for (const region of later.regions) {
      preparedTiles.get(
        referenceTileKey(later, parsed.params.channel, region),
        () => {
          missing++;
          return { data: new Uint16Array(region.size[0]! * region.size[1]!), shape: region.size };
        },
        params,
      );
    }
    expect(missing).toBe(later.regions.length);
    await handler.close();
  });
});
