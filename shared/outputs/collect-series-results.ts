import type { Kysely } from 'kysely';
import type { PixelSize } from '../imaging/pixel-size.js';
import { QUALITIES, type Quality } from '../quality/quality-verdict.js';
import type { Database, ImageRow, JobRow, SeriesFrameRow } from '../records/database-schema.js';
import { getSeriesByJob, listSeriesFrames } from '../records/series-repository.js';
import { listSectionMatrices } from '../records/section-matrices-repository.js';
import { shiftMatrix } from '../registration/similarity/transform-matrix.js';
import { noMeasurements, type ImageResult } from './image-result.js';
import type { SeriesResult } from './series-result.js';
import { listImages } from '../records/images-repository.js';
import { latestJobFor } from '../records/jobs-repository.js';
import { seriesJobOf } from '../pipeline/series-job.js';
import { naturalCompare } from '../series/natural-compare.js';
import { pixelSizeOf } from './pixel-size-of.js';

/**
 * The series of an image's latest job (a series job), with its solved frames, and one
 * `ImageResult` per frame (`frame`: 0-based; the reference frame's role `reference`, the others
 * `registered` with the shift that registers the frame onto the reference frame, minus its drift),
 * or undefined when the job has no series row.
 */
export async function collectSeries(
  db: Kysely<Database>,
  image: ImageRow,
  job: JobRow,
  pixelSize: PixelSize | null,
): Promise<{ series: SeriesResult; frames: ImageResult[] } | undefined> {
  const row = await getSeriesByJob(db, job.id);
  if (row === undefined) return undefined;
  const rows: SeriesFrameRow[] = row.state === 'done' ? await listSeriesFrames(db, row.id) : [];
  const frameShape = row.frame_shape.split('x').map(Number);
  const drift = rows.map((f) => withZ(f.drift_z, f.drift_y, f.drift_x));
  const errors = rows.map((f) =>
    f.drift_z === null ? [f.error_y, f.error_x] : [f.error_z, f.error_y, f.error_x],
  );
  const quality = rows.map((f) => qualityOf(f.quality));
  const trajectory = (row.trajectory ?? null) as Record<string, unknown> | null;
  const referenceFrame = Number(trajectory?.referenceFrame ?? 0);
  const frameReasons = stringLists(trajectory?.frameReasons);
  const chain = seriesJobOf(job.parameters)?.sections;
  const solved = chain !== undefined && rows.length > 0 ? await listSectionMatrices(db, row.id) : [];
  const series: SeriesResult = {
    seriesId: row.id,
    imageId: image.id,
    file: image.source_object,
    jobId: job.id,
    state: job.state === 'failed' ? 'failed' : row.state,
    failureReason: job.failure_reason ?? row.failure_reason,
    mode: row.mode,
    frames: row.frames,
    frameShape,
    pixelType: image.pixel_type,
    pixelSize,
    drift,
    errors,
    quality,
    verdict: verdictOf(trajectory),
    trajectory,
    ...(chain !== undefined && solved.length === row.frames && { sections: { chain, solved } }),
  };
  const base = {
    imageId: image.id,
    file: image.source_object,
    shape: frameShape,
    pixelType: image.pixel_type,
    pixelSize,
    ...noMeasurements(),
    jobId: job.id,
  };
  if (row.state !== 'done' || job.state !== 'done') {
    const failed = job.state === 'failed' || row.state === 'failed';
    const reason = series.failureReason ?? (failed ? 'the series was not solved' : null);
    const frames = Array.from({ length: row.frames }, (_, frame): ImageResult => ({
      ...base,
      frame,
      role: failed ? 'failed' : 'pending',
      failureReason: reason,
      quality: failed ? 'failed' : null,
      qualityReasons: reason === null ? [] : [reason],
      shift: null,
    }));
    return { series, frames };
  }
  const frames = drift.map((d, frame): ImageResult => {
    const shift = d.map((v) => (v === 0 ? 0 : -v));
    const isReference = frame === referenceFrame;
    return {
      ...base,
      frame,
      role: isReference ? 'reference' : 'registered',
      failureReason: null,
      quality: isReference ? null : quality[frame]!,
      qualityReasons:
        frameReasons?.[frame] ??
        (quality[frame] !== 'low'
          ? []
          : series.sections === undefined
            ? // Solved before the reasons were recorded.
              ['the frame is held by no good pair, or its drift error exceeds 0.5 px']
            : [`bridged: its step had ${series.sections.solved[frame]?.flagged ?? 'too little evidence'}`]),
      shift,
      model: series.sections === undefined ? 'translation' : series.sections.chain.model,
      matrix: series.sections?.solved[frame]?.matrix ?? shiftMatrix(shift),
    };
  });
  return { series, frames };
}

function withZ(z: number | null, y: number, x: number): number[] {
  return z === null ? [y, x] : [z, y, x];
}

/** The verdict on the trajectory as a whole (`judgeSeries`), null when solved before it existed. */
function verdictOf(trajectory: Record<string, unknown> | null): SeriesResult['verdict'] {
  const quality = qualityOf(typeof trajectory?.quality === 'string' ? trajectory.quality : null);
  if (quality === null) return null;
  return { quality, reasons: stringLists([trajectory?.qualityReasons])?.[0] ?? [] };
}

/** A list of lists of strings, or undefined when `value` is not one. */
function stringLists(value: unknown): string[][] | undefined {
  return isStringLists(value) ? value : undefined;
}

function isStringLists(value: unknown): value is string[][] {
  return (
    Array.isArray(value) && value.every((v) => Array.isArray(v) && v.every((r) => typeof r === 'string'))
  );
}

function qualityOf(value: string | null): Quality | null {
  return (QUALITIES as readonly string[]).includes(value ?? '') ? (value as Quality) : null;
}

/** The series of a dataset: per image whose latest job is a series job, that series. */
export async function collectSeriesResults(db: Kysely<Database>, datasetId: string): Promise<SeriesResult[]> {
  const images = await listImages(db, datasetId, { status: 'ingested' });
  const out: SeriesResult[] = [];
  for (const image of images) {
    const job = await latestJobFor(db, datasetId, image.id);
    if (job === undefined || seriesJobOf(job.parameters) === undefined) continue;
    const found = await collectSeries(db, image, job, pixelSizeOf(image));
    if (found !== undefined) out.push(found.series);
  }
  return out.sort((a, b) => naturalCompare(a.file, b.file));
}
