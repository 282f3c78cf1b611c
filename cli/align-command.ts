import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SectionModel } from '../shared/aggregation/section-transform.js';
import type { SlowTrendOptions } from '../shared/aggregation/slow-trend.js';
import { cumulativeOptionsOf } from '../shared/messages/stack-alignment-settings.js';
import {
  DatasetSettingsSchema,
  SETTINGS_FILE,
  type DatasetSettings,
} from '../shared/pipeline/dataset-settings.js';
import { MetdbError } from '../shared/errors/metdb-error.js';
import { encodeAlignedStack } from '../shared/imaging/encode-aligned-stack.js';
import { readImageFile } from '../shared/imaging/read-image-file.js';
import { parseEvaluationBox } from '../shared/quality-metrics/evaluation-box.js';
import { sectionQuality } from '../shared/quality-metrics/section-quality.js';
import { sectionQualityCsv, sectionQualityJson } from '../shared/quality-metrics/section-quality-csv.js';
import { renderStackReport } from '../shared/report/render-stack-report.js';
import { outputFrameBox } from '../shared/tiling/output-frame-box.js';
import { alignStack } from '../shared/tiling/align-stack.js';
import { binSections } from '../shared/stack-conversion/bin-sections.js';
import { convertToUint8 } from '../shared/stack-conversion/convert-to-uint8.js';
import { UsageError } from './usage-error.js';
import { parseCommandArgs } from './parse-command-args.js';

const MODELS: readonly SectionModel[] = [
  'translation',
  'xscale-shift',
  'scale-shift',
  'affine',
  'regularized-affine',
];

export const ALIGN_USAGE = `usage: metdb align <stack> <out.mrc|out.tif> [--model M] [--lambda L] [--tile N] [--smooth FIT] [--subtract-trend] [--frame F] [--config FILE] [--uint8 [--thr-min F] [--thr-max F]] [--bin-z N] [--box x,y,w,h] [--json]

Frame-to-frame alignment of a stack (FIB-SEM sections, MRC or multi-page TIFF): each section is
measured against the one before from the phase-correlation shifts of its tiles (model fitted by
least squares, outliers dropped), the steps are chained into one transform per section and every
section is resampled onto the first. Prints one line per section (its matrix, tiles, residual,
and "flagged" when it had too little evidence and was bridged by a shift) and the registration
quality of the result (docs/quality-metrics.md).
Settings come from metdb.json beside the stack (or --config), the flags override them:
model, lambda, tileSize, preserveScales, fitParams, subtractLinearFit, outputFrame (docs/fibsem.md).
  --model M         translation, xscale-shift, scale-shift, affine (default), regularized-affine
  --lambda L        regularized-affine's pull toward a shift (default 0.1)
  --tile N          tile edge in pixels (default 256)
  --smooth FIT      remove the slow drift of scale and shear: W,O (Savitzky-Golay window and
                    order), linear (a line through the identity), poly,O (a polynomial)
  --subtract-trend  subtract a straight line from the x and y translations
  --frame F         first (section 0's frame, default), pad (hold every section), crop (the
                    region every section covers)
  --config FILE     the settings file (default: metdb.json in the stack's folder, if any)
  --uint8           8 bits first (the FIB-SEM toolkit's save_asI8): one range for the stack from
                    the sections' cumulative histograms, --thr-min and --thr-max (default 0.001)
                    of the pixels saturating at each end (see metdb convert)
  --bin-z N         write the mean of N consecutive aligned sections (z voxel size N times)
  --box x,y,w,h     evaluation box of the quality table, in the written frame (default: the
                    region every section covers)
Writes beside the output: <out>.quality.csv and .quality.json (each section against the one
before: ncc, nsad, nmi, snr, FRC cutoff) and <out>.report.html (plots of the transforms and the
table).
  --json            print JSON`;

/** `metdb align`: one stack in, the aligned stack out. Returns the exit code. */
export async function alignCommand(args: string[], out: (line: string) => void): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      model: { type: 'string' },
      lambda: { type: 'string' },
      tile: { type: 'string' },
      smooth: { type: 'string' },
      'subtract-trend': { type: 'boolean' },
      frame: { type: 'string' },
      config: { type: 'string' },
      box: { type: 'string' },
      uint8: { type: 'boolean', default: false },
      'thr-min': { type: 'string', default: '0.001' },
      'thr-max': { type: 'string', default: '0.001' },
      'bin-z': { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
    },
    ALIGN_USAGE,
    out,
  );
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 2) throw new UsageError('expected a stack and an output file', ALIGN_USAGE);
  const [input, output] = positionals as [string, string];
  const format = /\.mrc$/i.test(output) ? 'mrc' : /\.tiff?$/i.test(output) ? 'tiff' : undefined;
  if (format === undefined)
    throw new UsageError(`the output must end in .mrc, .tif or .tiff, got "${output}"`, ALIGN_USAGE);
  const settings = await readAlignSettings(values.config ?? join(dirname(input), SETTINGS_FILE), {
    required: values.config !== undefined,
  });
  const model = (values.model ?? settings.model ?? 'affine') as SectionModel;
  if (!MODELS.includes(model))
    throw new UsageError(`--model must be one of ${MODELS.join(', ')}, got "${model}"`, ALIGN_USAGE);
  const lambda = values.lambda === undefined ? (settings.lambda ?? 0.1) : Number(values.lambda);
  if (!(lambda >= 0))
    throw new UsageError(`--lambda must be a number >= 0, got "${values.lambda}"`, ALIGN_USAGE);
  const tileSize = values.tile === undefined ? (settings.tileSize ?? 256) : Number(values.tile);
  if (!Number.isInteger(tileSize) || (tileSize as number) < 16)
    throw new UsageError(`--tile must be an integer >= 16, got "${String(tileSize)}"`, ALIGN_USAGE);
  const chain = cumulativeOptionsOf(settings);
  if (values.smooth !== undefined) chain.smoothing = parseSmooth(values.smooth);
  if (values['subtract-trend'] !== undefined) chain.subtractLinearTrend = values['subtract-trend'];
  const fraction = (name: 'thr-min' | 'thr-max') => {
    const v = Number(values[name]);
    if (values[name] === '' || !(v >= 0 && v < 1))
      throw new UsageError(`--${name} must be a fraction in [0, 1), got "${values[name]}"`, ALIGN_USAGE);
    return v;
  };
  const [thrMin, thrMax] = [fraction('thr-min'), fraction('thr-max')];
  const binZ = Number(values['bin-z']);
  if (!Number.isInteger(binZ) || binZ < 1)
    throw new UsageError(`--bin-z must be an integer >= 1, got "${values['bin-z']}"`, ALIGN_USAGE);
  const outputFrame = values.frame ?? settings.outputFrame ?? 'first';
  if (outputFrame !== 'first' && outputFrame !== 'pad' && outputFrame !== 'crop')
    throw new UsageError(`--frame must be first, pad or crop, got "${outputFrame}"`, ALIGN_USAGE);
  const { array, info } = await readImageFile(input);
  if (array.shape.length !== 3)
    throw new MetdbError('invalid-argument', `${input}: not a stack (shape [${array.shape.join(', ')}])`);
  // 8 bits first, from the raw sections' cumulative histograms (the toolkit's save_asI8 order).
  const eightBit = values.uint8 ? convertToUint8(array, { thrMin, thrMax }) : null;
  const result = alignStack(eightBit?.image ?? array, {
    model,
    lambda,
    tileSize: tileSize as number,
    ...chain,
    outputFrame,
  });
  if (binZ > array.shape[0]!) {
    throw new MetdbError('invalid-argument', `${input}: --bin-z ${binZ} needs at least ${binZ} sections`);
  }
  const written = binZ > 1 ? binSections(result.aligned, { factor: binZ }) : result.aligned;
  const stated = info.pixelSize;
  const size = stated === null ? null : { ...stated, z: stated.z === null ? null : stated.z * binZ };
  const { frame } = result;
  const framed = outputFrame === 'first' ? '' : `, ${outputFrame} ${frame.x},${frame.y}`;
  await writeFile(
    output,
    encodeAlignedStack(written, {
      format,
      pixelSize: size,
      label: `Aligned by Met-db (${model}${framed}) from ${input.split(/[\\/]/).pop() ?? input}`,
    }),
  );
  // The evaluation box: --box (in the written frame), else the region every section covers.
  const common = outputFrameBox(result.transforms, [array.shape[1]!, array.shape[2]!], 'crop');
  const box =
    values.box === undefined
      ? { x: common.x - frame.x, y: common.y - frame.y, width: common.width, height: common.height }
      : parseEvaluationBox(values.box);
  const quality = sectionQuality(written, { bins: 256, box });
  const base = output.replace(/\.(mrc|tiff?)$/i, '');
  const name = base.split(/[\\/]/).pop() ?? base;
  await writeFile(`${base}.quality.csv`, sectionQualityCsv(quality));
  await writeFile(`${base}.quality.json`, sectionQualityJson(quality));
  await writeFile(
    `${base}.report.html`,
    renderStackReport({
      name,
      transforms: result.transforms,
      flagged: result.steps.map((s) => s.flagged),
      quality: { name, table: quality },
      finishedAt: new Date(),
      facts: {
        input,
        model: model === 'regularized-affine' ? `${model} (lambda ${lambda})` : model,
        'tile size': `${String(tileSize)} px`,
        'preserve scales':
          chain.smoothing === undefined
            ? 'off'
            : `${chain.smoothing.fit ?? 'savitzky-golay'}${chain.smoothing.fit === 'linear' ? '' : ` ${JSON.stringify({ window: chain.smoothing.window, order: chain.smoothing.order })}`}`,
        'subtract linear fit': JSON.stringify(chain.subtractLinearTrend ?? false),
        frame: `${outputFrame}: ${frame.width} x ${frame.height} px at ${frame.x}, ${frame.y} of section 0`,
        '8 bits':
          eightBit === null
            ? 'no'
            : `from ${eightBit.min[0]} .. ${eightBit.max[0]} (thrMin ${thrMin}, thrMax ${thrMax})`,
        'z binning': binZ > 1 ? `${binZ} (the quality table is between binned sections)` : 'no',
      },
    }),
  );
  const sections = result.transforms.map((matrix, z) => {
    const step = z === 0 ? null : result.steps[z - 1]!;
    return {
      section: z,
      matrix,
      tiles: step?.tiles ?? null,
      inliers: step?.inliers ?? null,
      residualRms: step?.residualRms ?? null,
      flagged: step?.flagged ?? null,
    };
  });
  if (values.json) {
    const uint8 = eightBit === null ? null : { min: eightBit.min[0]!, max: eightBit.max[0]! };
    out(JSON.stringify({ input, output, model, frame: result.frame, uint8, binZ, sections, quality }));
    return 0;
  }
  out(
    `${output}: ${array.shape[0]} sections aligned (${model}), frame ${outputFrame} (${frame.width} x ${frame.height} px at ${frame.x}, ${frame.y} of section 0)`,
  );
  for (const s of sections) {
    const [[a, b, c], [d, e, f]] = s.matrix;
    const m = [a, b, c, d, e, f].map((v, i) => (i % 3 === 2 ? v.toFixed(2) : v.toFixed(5))).join(' ');
    const evidence =
      s.tiles === null
        ? 'reference'
        : `${s.inliers}/${s.tiles} tiles, residual ${s.residualRms!.toFixed(3)} px${s.flagged ? `, flagged: ${s.flagged}` : ''}`;
    out(`  section ${String(s.section).padStart(4)}  [${m}]  ${evidence}`);
  }
  const q = quality.summary;
  out(
    `quality between consecutive sections: ncc median ${q.ncc.median.toFixed(4)} (std ${q.ncc.std.toFixed(4)}), nsad ${q.nsad.median.toFixed(4)}, nmi ${q.nmi.median.toFixed(4)}`,
  );
  return 0;
}

/** `--smooth`: `W,O` or `sg,W,O` (Savitzky-Golay), `linear`, `poly,O`. */
function parseSmooth(text: string): SlowTrendOptions {
  const parts = text.split(',');
  const ints = (xs: string[]) => xs.map(Number).filter((v) => Number.isInteger(v) && v >= 0);
  if (parts[0] === 'linear' && parts.length === 1) return { fit: 'linear' };
  if (parts[0] === 'poly' && parts.length === 2 && ints(parts.slice(1)).length === 1)
    return { fit: 'polynomial', order: Number(parts[1]) };
  const sg = parts[0] === 'sg' ? parts.slice(1) : parts;
  if (sg.length === 2 && ints(sg).length === 2 && Number(sg[0]) >= 1)
    return { fit: 'savitzky-golay', window: Number(sg[0]), order: Number(sg[1]) };
  throw new UsageError(`--smooth must be W,O, sg,W,O, linear or poly,O, got "${text}"`, ALIGN_USAGE);
}

/** The dataset settings in `file` (`{}` when it is absent and not required). */
async function readAlignSettings(file: string, options: { required: boolean }): Promise<DatasetSettings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (!options.required && (error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new MetdbError('invalid-argument', `${file}: cannot be read`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MetdbError('invalid-value', `${file}: not JSON`, { cause: error });
  }
  const result = DatasetSettingsSchema.safeParse(json);
  if (!result.success) {
    const summary = result.error.issues.map(
      (i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`,
    );
    throw new MetdbError('invalid-value', `${file}: ${summary.join('; ')}`);
  }
  return result.data;
}
