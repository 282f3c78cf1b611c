import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFolderBlobStore } from '../../shared/adapters/local-folder-blob-store.js';
import { MemoryBus } from '../../shared/adapters/memory-bus.js';
import { createLogger } from '../../shared/logging/logger.js';
import type { FinalizedObject } from '../../shared/messages/storage-event.js';
import { parseAggregateMessage } from '../../shared/messages/aggregate-message.js';
import { parseTileMessage } from '../../shared/messages/tile-message.js';
import { aggregateJob } from '../../shared/pipeline/aggregate-job.js';
import { DecodedImageCache } from '../../shared/pipeline/decoded-image-cache.js';
import { ingestUpload, type IngestResult } from '../../shared/pipeline/ingest-upload.js';
import { DEFAULT_PIPELINE_LIMITS, type PipelineDeps } from '../../shared/pipeline/pipeline-deps.js';
import { registerTileFromMessage } from '../../shared/pipeline/register-tile-from-message.js';
import { connectDatabase, type DatabaseHandle } from '../../shared/adapters/open-database.js';
import { migrateToLatest } from '../../shared/records/migrate.js';

export const SERIES = 'test/fixtures/series';
export const truth = JSON.parse(readFileSync(`${SERIES}/truth.json`, 'utf8')) as {
  frames: { file: string; expected: number[] }[];
};

/** The use cases on SQLite, a local folder as the bucket and the memory bus. */
export interface PipelineFixture {
  deps: PipelineDeps & { bus: MemoryBus; blobs: LocalFolderBlobStore };
  handle: DatabaseHandle;
  /** The SQLite file (for a command that opens the database itself). */
  path: string;
  /** Writes an object and ingests its finalize event (as a notification would announce it). */
  upload(name: string, bytes: Uint8Array): Promise<IngestResult>;
  /** The finalize event of an existing object. */
  eventOf(name: string): Promise<FinalizedObject>;
  /** Runs every queued tile and aggregate message (and those they publish) until the bus is empty. */
  drain(): Promise<{ tiles: number; aggregations: number }>;
  close(): Promise<void>;
}

export async function createPipelineFixture(limits = DEFAULT_PIPELINE_LIMITS): Promise<PipelineFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'metdb-pipeline-'));
  const handle = await connectDatabase({ kind: 'sqlite', path: join(dir, 'metdb.sqlite') });
  await migrateToLatest(handle.db);
  const blobs = new LocalFolderBlobStore(join(dir, 'bucket'), { bucket: 'lab' });
  const bus = new MemoryBus();
  const deps = {
    db: handle.db,
    blobs,
    bus,
    logger: createLogger({ level: 'silent' }),
    topics: { tiles: 'tiles', aggregate: 'aggregate' },
    limits,
  } as const;
  const cache = new DecodedImageCache();
  const eventOf = async (name: string): Promise<FinalizedObject> => {
    const head = await blobs.head(name);
    if (head === undefined) throw new Error(`no object ${name}`);
    return {
      kind: 'finalized',
      bucket: 'lab',
      name,
      generation: head.generation,
      size: head.size,
      idempotencyKey: `gcs:lab/${name}#${head.generation}`,
    };
  };
  return {
    deps,
    handle,
    path: join(dir, 'metdb.sqlite'),
    eventOf,
    upload: async (name, bytes) => {
      await blobs.put(name, bytes);
      return ingestUpload(deps, await eventOf(name));
    },
    drain: async () => {
      let tiles = 0;
      let aggregations = 0;
      for (;;) {
        const next = bus.published.shift();
        if (next === undefined) return { tiles, aggregations };
        if (next.topic === 'tiles') {
          await registerTileFromMessage(deps, parseTileMessage(next.message), cache);
          tiles++;
        } else if (next.topic === 'aggregate') {
          if ((await aggregateJob(deps, parseAggregateMessage(next.message), cache)).aggregated)
            aggregations++;
        }
      }
    },
    close: async () => {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function frameBytes(file: string): Uint8Array {
  return new Uint8Array(readFileSync(`${SERIES}/${file}`));
}

/**
 * A fixture holding dataset `ds` (128 px tiles, frame_00.tif the reference) with its settings
 * and `frames` uploaded. With frame_00 and frame_01: one job, its 9 tiles published on the memory
 * bus and not delivered (`drain` delivers them).
 */
export async function createDatasetFixture(frames: readonly string[]): Promise<PipelineFixture> {
  const f = await createPipelineFixture();
  await f.deps.blobs.put(
    'ds/metdb.json',
    Buffer.from(JSON.stringify({ reference: 'frame_00.tif', tileSize: 128 })),
  );
  for (const frame of frames) await f.upload(`ds/${frame}`, frameBytes(frame));
  return f;
}
