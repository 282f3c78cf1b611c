import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../../shared/adapters/memory-bus.js';
import { createLogger } from '../../shared/logging/logger.js';
import { parseAggregateMessage } from '../../shared/messages/aggregate-message.js';
import { parseTileMessage } from '../../shared/messages/tile-message.js';
import { collectImageResults } from '../../shared/outputs/collect-image-results.js';
import { localPipelineDeps } from '../../local/local-pipeline-deps.js';
import { runFolder } from '../../local/run-folder.js';
import { aggregateJob } from '../../shared/pipeline/aggregate-job.js';
import { ingestUpload } from '../../shared/pipeline/ingest-upload.js';
import { DEFAULT_PIPELINE_LIMITS } from '../../shared/pipeline/pipeline-deps.js';
import { registerTileFromMessage } from '../../shared/pipeline/register-tile-from-message.js';
import { getDatasetByName } from '../../shared/records/datasets-repository.js';
import { migrateToLatest } from '../../shared/records/migrate.js';
import { copyDemoSeries } from './demo-series-copy.js';

const FRAMES = ['frame_00.tif', 'frame_03.tif', 'frame_06.tif'];
const folder = copyDemoSeries(FRAMES);
afterAll(() => rmSync(dirname(folder), { recursive: true, force: true }));

/** The same use cases driven by hand over the in-memory bus, one message at a time, in order. */
async function runOverMemoryBus(out: string): Promise<{ file: string; shift: readonly number[] | null }[]> {
  const bus = new MemoryBus();
  const config = {
    database: { kind: 'sqlite' as const, path: join(out, 'metdb.sqlite') },
    blobsRoot: join(out, 'blobs'),
    uploadsRoot: folder,
    dataset: 'series',
    limits: DEFAULT_PIPELINE_LIMITS,
  };
  const { deps, handle, uploads } = await localPipelineDeps(config, bus, createLogger({ level: 'silent' }));
  try {
    await migrateToLatest(handle.db);
    for (const file of FRAMES) {
      const name = uploads.objectName(file);
      const info = (await uploads.head(name))!;
      const object = {
        kind: 'finalized' as const,
        bucket: uploads.bucket,
        name,
        generation: info.generation,
        size: info.size,
      };
      await ingestUpload(deps, { ...object, idempotencyKey: `test:${name}` });
    }
    for (;;) {
      const tiles = bus.take('tiles');
      const aggregates = bus.take('aggregate');
      if (tiles.length === 0 && aggregates.length === 0) break;
      for (const t of tiles) await registerTileFromMessage(deps, parseTileMessage(t.message));
      for (const a of aggregates) await aggregateJob(deps, parseAggregateMessage(a.message));
    }
    const dataset = (await getDatasetByName(handle.db, 'series'))!;
    return (await collectImageResults(handle.db, dataset.id)).map((r) => ({
      file: r.file.slice('series/'.length),
      shift: r.shift,
    }));
  } finally {
    await handle.close();
  }
}

describe('the local run and the same use cases over the memory bus', () => {
  it('give the same shifts for the same input', async () => {
    const local = await runFolder(folder, {
      workers: 2,
      out: join(dirname(folder), 'local'),
      average: false,
      registeredImages: false,
    });
    const memory = await runOverMemoryBus(join(dirname(folder), 'memory'));
    expect(local.results.map((r) => r.file)).toEqual(FRAMES);
    expect(memory.map((r) => r.file)).toEqual(FRAMES);
    local.results.forEach((r, i) => {
      expect(r.shift).not.toBeNull();
      r.shift!.forEach((s, a) => expect(s).toBeCloseTo(memory[i]!.shift![a]!, 9));
    });
  }, 120_000);
});
