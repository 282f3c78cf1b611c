import { readImageFile } from '../shared/imaging/read-image-file.js';
import type { NdArray } from '../shared/ndarray/ndarray.js';
import {
  cropToBox,
  FRC_WINDOW,
  pairQuality,
  parseEvaluationBox,
  sectionQuality,
  singleImageSnr,
  type EvaluationBox,
  type FrcCutoff,
  type PairQuality,
  type PairQualityOptions,
} from '../shared/quality-metrics/index.js';
import { parsePixelSize } from './parse-pixel-size.js';
import { UsageError } from './usage-error.js';
import { parseCommandArgs } from './parse-command-args.js';

export const QUALITY_USAGE = `usage: metdb quality <A> [<B>] [--box x,y,w,h] [--bins N] [--pixel-size SIZE] [--window tukey|hann|none] [--json]

Quality metrics (docs/quality-metrics.md).
  A and B: two images of the same object (two registered sections, two exposures): ncc, nsad,
    mi and nmi, two-image snr, and the Fourier ring correlation (shell correlation for two
    volumes) with its 1/7 and half-bit cutoffs, in cycles/px, pixels and physical units.
  A alone, one image: its snr by the single-image autocorrelation method (Thong et al. 2001).
  A alone, a stack: each section against the one before (ncc, nsad, nmi, snr, FRC cutoff) and
    each section's own snr, with their mean, median and spread.

options:
  --box x,y,w,h      compare only this region (pixels; every section of a stack). Default: the
                     common area (the whole image when the sizes match)
  --bins N           joint histogram bins per image for mi (default 2048, the FIB-SEM toolkit's)
  --pixel-size SIZE  pixel size for the resolution in physical units, e.g. 8nm, 0.1um, 11.4A
                     (default: the size A's file states, if any)
  --window W         window before the FRC's Fourier transform (default tukey)
  --json             print JSON (the FRC curve included) instead of text`;

/** `metdb quality`: metrics of one image, a stack, or a pair. Returns the exit code. */
export async function qualityCommand(args: string[], out: (line: string) => void): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      box: { type: 'string' },
      bins: { type: 'string' },
      'pixel-size': { type: 'string' },
      window: { type: 'string', default: 'tukey' },
      json: { type: 'boolean', default: false },
    },
    QUALITY_USAGE,
    out,
  );
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  if (positionals.length < 1 || positionals.length > 2)
    throw new UsageError('expected one or two image files', QUALITY_USAGE);
  const box = values.box === undefined ? undefined : parseBox(values.box);
  const bins = values.bins === undefined ? undefined : Number(values.bins);
  if (bins !== undefined && !(Number.isInteger(bins) && bins >= 2 && bins <= 65536)) {
    throw new UsageError(`--bins must be an integer from 2 to 65536, got "${values.bins}"`, QUALITY_USAGE);
  }
  const pixelSize = values['pixel-size'] === undefined ? undefined : parsePixelSize(values['pixel-size']);
  if (values['pixel-size'] !== undefined && pixelSize === undefined) {
    throw new UsageError(
      `--pixel-size must be a number and a unit (pm, Å, nm, µm, mm), got "${values['pixel-size']}"`,
      QUALITY_USAGE,
    );
  }
  const window = values.window;
  if (window !== 'tukey' && window !== 'hann' && window !== 'none') {
    throw new UsageError(`--window must be tukey, hann or none, got "${window}"`, QUALITY_USAGE);
  }
  const options: PairQualityOptions = {
    ...(box && { box }),
    ...(bins && { bins }),
    ...(pixelSize && { pixelSize }),
    // --window tukey is the FRC's own Tukey window (alpha 0.25, docs/quality-metrics.md).
    frc: { window: window === 'tukey' ? FRC_WINDOW : window },
  };
  const images = await Promise.all(positionals.map((path) => readImageFile(path)));
  const [a, b] = images.map((image) => image.array) as [NdArray, NdArray | undefined];
  // Without --pixel-size, the first file's own (MRC cell, OME-XML, ImageJ, TIFF resolution).
  const stated = images[0]!.info.pixelSize;
  if (options.pixelSize === undefined && stated !== null)
    options.pixelSize = { value: stated.x, unit: stated.unit };
  const [nameA, nameB] = positionals as [string, string | undefined];

  if (b !== undefined) {
    const q = pairQuality(a, b, options);
    if (values.json) out(JSON.stringify({ a: nameA, b: nameB, ...q }));
    else for (const line of pairText(q, nameA, nameB!)) out(line);
    return 0;
  }
  if (a.shape.length === 3) {
    const table = sectionQuality(a, options);
    if (values.json) out(JSON.stringify({ image: nameA, ...table }));
    else for (const line of tableText(table, nameA)) out(line);
    return 0;
  }
  const snr = singleImageSnr(box === undefined ? a : cropToBox(a, box));
  const region = box ?? { x: 0, y: 0, width: a.shape[1]!, height: a.shape[0]! };
  if (values.json) out(JSON.stringify({ image: nameA, box: region, ...snr }));
  else
    out(
      `${nameA} ${boxText(region)}: snr ${fixed(snr.snr)} (x ${fixed(snr.snrX)}, y ${fixed(snr.snrY)}), signal/noise variance by autocorrelation`,
    );
  return 0;
}

function parseBox(text: string): EvaluationBox {
  try {
    return parseEvaluationBox(text);
  } catch (error) {
    throw new UsageError(`--${(error as Error).message}`, QUALITY_USAGE);
  }
}

function pairText(q: PairQuality, a: string, b: string): string[] {
  const cutoff = q.frc.cutoff;
  return [
    `${a} vs ${b}, ${boxText(q.box)}`,
    `ncc   ${fixed(q.ncc, 4)}   Pearson correlation of the pixel values`,
    `snr   ${fixed(q.snr)}   two-image, ncc / (1 - ncc): signal/noise variance`,
    `nsad  ${fixed(q.nsad, 4)}   mean |A - B| / (mean M - min M), M = (A + B) / 2`,
    `mi    ${fixed(q.mi.mi, 4)} nats, nmi ${fixed(q.mi.nmi, 4)} (${q.mi.bins} bins)`,
    cutoff === null
      ? 'frc   no curve'
      : `frc   1/7: ${cutoffText(cutoff)}; half-bit: ${cutoff.halfBit === null ? 'none' : cutoffText(cutoff.halfBit)}`,
  ];
}

function tableText(t: ReturnType<typeof sectionQuality>, name: string): string[] {
  const lines = [`${name}: ${t.sections.length} section pairs, ${boxText(t.sections[0]!.box)}`];
  lines.push('section    ncc    nsad     nmi     snr  imageSnr  frcCutoff');
  for (const s of t.sections) {
    lines.push(
      [
        String(s.section).padStart(7),
        fixed(s.ncc, 4),
        fixed(s.nsad, 4),
        fixed(s.nmi, 4),
        fixed(s.snr),
        fixed(s.imageSnr),
        fixed(s.frcCutoff, 4),
      ]
        .map((v, i) => (i === 0 ? v : v.padStart(i >= 4 ? 9 : 7)))
        .join(' '),
    );
  }
  for (const stat of ['mean', 'median', 'std'] as const) {
    const row = (['ncc', 'nsad', 'nmi', 'snr', 'imageSnr', 'frcCutoff'] as const).map((k) =>
      fixed(t.summary[k][stat], k === 'snr' || k === 'imageSnr' ? 2 : 4),
    );
    lines.push([stat.padStart(7), ...row.map((v, i) => v.padStart(i >= 3 ? 9 : 7))].join(' '));
  }
  return lines;
}

function cutoffText(c: FrcCutoff): string {
  const physical = c.resolution === null ? '' : `, ${fixed(c.resolution)} ${c.unit}`;
  return `${c.reached ? '' : 'beyond '}${fixed(c.frequency, 4)} cycles/px (${fixed(c.resolutionPx)} px${physical})`;
}

function boxText(b: EvaluationBox): string {
  return `box x=${b.x} y=${b.y} w=${b.width} h=${b.height}`;
}

function fixed(v: number | null, digits = 2): string {
  return v === null || Number.isNaN(v)
    ? 'n/a'
    : Number.isFinite(v)
      ? v.toFixed(digits)
      : v > 0
        ? 'inf'
        : '-inf';
}
