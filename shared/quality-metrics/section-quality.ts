import { MetdbError } from '../errors/metdb-error.js';
import { ndarray, type NdArray } from '../ndarray/ndarray.js';
import { cropToBox, type EvaluationBox } from './evaluation-box.js';
import { pairQuality, type PairQualityOptions } from './pair-quality.js';
import { singleImageSnr } from './single-image-snr.js';

/** The metrics of one section against the section before it (the toolkit's registration table). */
export interface SectionQuality {
  /** Index of the section (1 .. nz - 1); compared with section - 1. */
  readonly section: number;
  readonly box: EvaluationBox;
  readonly ncc: number;
  readonly nsad: number;
  readonly nmi: number;
  /** Two-image SNR of the pair, from ncc. */
  readonly snr: number;
  /** Single-image SNR of this section (autocorrelation, both axes). */
  readonly imageSnr: number;
  /** FRC 1/7 cutoff of the pair, cycles/px (null if the curve is empty). */
  readonly frcCutoff: number | null;
  /** False when the FRC never fell below 1/7: the cutoff lies beyond `frcCutoff`. */
  readonly frcCutoffReached: boolean;
}

/** Mean, median and standard deviation of one column, over the finite values. */
export interface ColumnSummary {
  readonly mean: number;
  readonly median: number;
  readonly std: number;
}

export interface SectionQualityTable {
  readonly sections: SectionQuality[];
  readonly summary: Record<'ncc' | 'nsad' | 'nmi' | 'snr' | 'imageSnr' | 'frcCutoff', ColumnSummary>;
}

/**
 * Registration quality through a stack: each section against the one before, over the same
 * evaluation box (the FIB-SEM toolkit's `analyze_mrc_stack_registration`: NSAD, NCC, NMI per
 * section, with their mean, median and spread). A well registered stack has a high, even ncc and
 * nmi and a low, even nsad; a section that stands out was misregistered (or is damaged).
 *
 * @param stack (z, y, x) with at least two sections
 */
export function sectionQuality(stack: NdArray, options: PairQualityOptions = {}): SectionQualityTable {
  const { shape, data } = stack;
  if (shape.length !== 3 || shape[0]! < 2) {
    throw new MetdbError(
      'invalid-argument',
      `sectionQuality: needs a stack (z, y, x) of at least 2 sections, got [${shape.join(', ')}]`,
    );
  }
  const plane = shape[1]! * shape[2]!;
  const sectionAt = (z: number): NdArray =>
    ndarray(data.subarray(z * plane, (z + 1) * plane), shape.slice(1));
  const sections: SectionQuality[] = [];
  for (let z = 1; z < shape[0]!; z++) {
    const q = pairQuality(sectionAt(z - 1), sectionAt(z), options);
    const current = sectionAt(z);
    sections.push({
      section: z,
      box: q.box,
      ncc: q.ncc,
      nsad: q.nsad,
      nmi: q.mi.nmi,
      snr: q.snr,
      imageSnr: singleImageSnr(options.box === undefined ? current : cropToBox(current, q.box)).snr,
      frcCutoff: q.frc.cutoff?.frequency ?? null,
      frcCutoffReached: q.frc.cutoff?.reached ?? false,
    });
  }
  const column = (pick: (s: SectionQuality) => number | null): ColumnSummary =>
    summarize(sections.map(pick).filter((v): v is number => v !== null && Number.isFinite(v)));
  return {
    sections,
    summary: {
      ncc: column((s) => s.ncc),
      nsad: column((s) => s.nsad),
      nmi: column((s) => s.nmi),
      snr: column((s) => s.snr),
      imageSnr: column((s) => s.imageSnr),
      frcCutoff: column((s) => s.frcCutoff),
    },
  };
}

function summarize(values: number[]): ColumnSummary {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, median: Number.NaN, std: Number.NaN };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sorted = [...values].sort((p, q) => p - q);
  const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  return { mean, median, std };
}
