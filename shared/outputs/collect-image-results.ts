import type { Kysely } from 'kysely';
import { pixelSizeOf } from './pixel-size-of.js';
import type { Database, ImageRow, RegistrationRow } from '../records/database-schema.js';
import { getDataset } from '../records/datasets-repository.js';
import { listImages } from '../records/images-repository.js';
import { latestJobFor } from '../records/jobs-repository.js';
import { getRegistration } from '../records/registrations-repository.js';
import { shiftMatrix } from '../registration/similarity/transform-matrix.js';
import { listTileResults } from '../records/tile-results-repository.js';
import { noMeasurements, type ImageResult, type TileShift } from './image-result.js';
import { QUALITIES, type Quality } from '../quality/quality-verdict.js';
import { naturalCompare } from '../series/natural-compare.js';
import { seriesJobOf } from '../pipeline/series-job.js';
import { collectSeries } from './collect-series-results.js';

/**
 * Reads one row per image of a dataset from the records (images, their latest job, its
 * registration and tile results), ordered by file name. Read-only; works on MySQL and SQLite.
 */
export async function collectImageResults(db: Kysely<Database>, datasetId: string): Promise<ImageResult[]> {
  const dataset = await getDataset(db, datasetId);
  const images = await listImages(db, datasetId);
  const results: ImageResult[] = [];
  for (const image of images) {
    const shape = shapeOf(image);
    const base = {
      imageId: image.id,
      file: image.source_object,
      shape,
      pixelType: image.pixel_type,
      pixelSize: pixelSizeOf(image),
      ...noMeasurements(),
    };
    if (image.status === 'failed') {
      results.push({
        ...base,
        role: 'failed',
        failureReason: image.failure_reason,
        quality: 'failed',
        qualityReasons: [image.failure_reason ?? 'the file could not be ingested'],
        jobId: null,
        shift: null,
      });
      continue;
    }
    const job = await latestJobFor(db, datasetId, image.id);
    if (job === undefined) {
      const isReference = dataset?.reference_image_id === image.id;
      results.push({
        ...base,
        role: isReference ? 'reference' : 'pending',
        failureReason: null,
        quality: null,
        qualityReasons: [],
        jobId: null,
        shift: isReference && shape !== null ? shape.map(() => 0) : null,
        ...(isReference && shape !== null
          ? { model: 'translation', matrix: shiftMatrix(shape.map(() => 0)) }
          : {}),
      });
      continue;
    }
    if (seriesJobOf(job.parameters) !== undefined) {
      const series = await collectSeries(db, image, job, base.pixelSize);
      if (series !== undefined) {
        results.push(...series.frames);
        continue;
      }
    }
    const registration = job.state === 'done' ? await getRegistration(db, job.id, image.id) : undefined;
    const tileRows = await listTileResults(db, job.id);
    const tiles: TileShift[] = tileRows.map((t) => ({
      index: t.tile_index,
      start: t.region.start,
      size: t.region.size,
      shift:
        t.skipped || t.shift_y === null || t.shift_x === null ? null : withZ(t.shift_z, t.shift_y, t.shift_x),
      weight: t.weight,
      skipped: t.skipped,
      quality: qualityOf(t.quality),
    }));
    const errors = tileRows
      .filter((t) => !t.skipped && t.error !== null && Number.isFinite(t.error))
      .map((t) => t.error!);
    if (registration === undefined) {
      results.push({
        ...base,
        role: job.state === 'failed' ? 'failed' : 'pending',
        failureReason: job.failure_reason,
        quality: job.state === 'failed' ? 'failed' : null,
        qualityReasons: job.state === 'failed' ? [job.failure_reason ?? 'the job failed'] : [],
        jobId: job.id,
        shift: null,
        tiles,
      });
      continue;
    }
    const { quality, reasons } = verdictOf(registration);
    results.push({
      ...base,
      role: quality === 'failed' ? 'failed' : 'registered',
      failureReason:
        quality === 'failed' ? `registration failed the quality check: ${reasons.join('; ')}` : null,
      quality,
      qualityReasons: reasons,
      nccChance: registration.ncc_chance,
      jobId: job.id,
      shift: withZ(registration.shift_z, registration.shift_y, registration.shift_x),
      model: registration.model ?? 'translation',
      matrix:
        registration.matrix ??
        shiftMatrix(withZ(registration.shift_z, registration.shift_y, registration.shift_x)),
      angle: registration.angle,
      scale: registration.scale,
      residualRms: registration.residual_rms,
      residualMax: registration.residual_max,
      tileErrorMedian: median(errors),
      nccBefore: registration.ncc_before,
      nccAfter: registration.ncc_after,
      tilesUsed: registration.tiles_used,
      tilesRejected: registration.tiles_rejected,
      tiles,
    });
  }
  return results.sort((a, b) => naturalCompare(a.file, b.file) || (a.frame ?? 0) - (b.frame ?? 0));
}

/**
 * The stored verdict. Rows without one were written before it existed: translations before
 * migration 0002 (no `model` either) count as registered, as they did then; rigid and similarity
 * rows written before their verdict existed are `low`, with the reason.
 */
function verdictOf(row: RegistrationRow): { quality: Quality; reasons: string[] } {
  const quality = qualityOf(row.quality);
  if (quality !== null) return { quality, reasons: row.quality_reasons ?? [] };
  if (row.model === null || row.model === 'translation') return { quality: 'good', reasons: [] };
  return {
    quality: 'low',
    reasons: [
      `unjudged: this ${row.model} registration was written before its quality verdict existed; reprocess to judge it`,
    ],
  };
}

function qualityOf(value: string | null): Quality | null {
  return (QUALITIES as readonly string[]).includes(value ?? '') ? (value as Quality) : null;
}

function withZ(z: number | null, y: number, x: number): number[] {
  return z === null ? [y, x] : [z, y, x];
}

function shapeOf(image: ImageRow): number[] | null {
  if (image.width === null || image.height === null) return null;
  return image.depth !== null && image.depth > 1
    ? [image.depth, image.height, image.width]
    : [image.height, image.width];
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
