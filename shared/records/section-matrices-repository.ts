/**
 * Section matrices (migration 0013): each section of a stack aligned frame to frame, its transform
 * onto section 0 and its measured step. Written by the series job's aggregation inside its
 * exactly-once transaction (`recordSectionMatrices`), read by the outputs (`listSectionMatrices`).
 */
import type { Kysely } from 'kysely';
import type { Matrix3 } from '../registration/similarity/transform-matrix.js';
import type { Database, SectionMatricesTable } from './database-schema.js';
import { toDatabaseError } from './database-error.js';

type Db = Kysely<Database>;

/** One solved section: its transform onto section 0, its step onto the one before and the evidence. */
export interface SolvedSection {
  /** Maps (x, y) of this section onto section 0 (moving -> reference). */
  readonly matrix: Matrix3;
  /** The measured step onto the section before; null for section 0. */
  readonly step: Matrix3 | null;
  /** The model fitted to the step (a shift when flagged); null for section 0. */
  readonly model: string | null;
  readonly tiles: number | null;
  readonly inliers: number | null;
  readonly residualRms: number | null;
  /** Why the step was bridged (fitted as a shift, or the identity), or null. */
  readonly flagged: 'too-few-points' | 'no-points' | null;
}

/** Writes a stack's sections (call inside the job's aggregation transaction; rows already there stay). */
export async function recordSectionMatrices(
  db: Db,
  seriesId: string,
  sections: readonly SolvedSection[],
): Promise<void> {
  const rows: SectionMatricesTable[] = sections.map((s, k) => {
    const [[m00, m01, m02], [m10, m11, m12]] = s.matrix;
    return {
      series_id: seriesId,
      frame_index: k,
      ...{ m00, m01, m02, m10, m11, m12 },
      step: s.step === null ? null : JSON.stringify(s.step),
      model: s.model,
      tiles: s.tiles,
      inliers: s.inliers,
      residual_rms: s.residualRms,
      flagged: s.flagged,
    };
  });
  try {
    for (let k = 0; k < rows.length; k += 500) {
      await db
        .insertInto('section_matrices')
        .orIgnore()
        .values(rows.slice(k, k + 500))
        .execute();
    }
  } catch (error) {
    throw toDatabaseError(error, 'record section matrices');
  }
}

/** A stack's sections in order (none for a drift series). */
export async function listSectionMatrices(db: Db, seriesId: string): Promise<SolvedSection[]> {
  const rows = await db
    .selectFrom('section_matrices')
    .selectAll()
    .where('series_id', '=', seriesId)
    .orderBy('frame_index')
    .execute();
  return rows.map((r) => ({
    matrix: [
      [r.m00, r.m01, r.m02],
      [r.m10, r.m11, r.m12],
      [0, 0, 1],
    ],
    step: r.step === null ? null : (JSON.parse(r.step) as Matrix3),
    model: r.model,
    tiles: r.tiles,
    inliers: r.inliers,
    residualRms: r.residual_rms,
    flagged: r.flagged === 'too-few-points' || r.flagged === 'no-points' ? r.flagged : null,
  }));
}
