import { writeFile } from 'node:fs/promises';
import type { SectionModel } from '../shared/aggregation/section-transform.js';
import { MetdbError } from '../shared/errors/metdb-error.js';
import { encodeMrc } from '../shared/imaging/encode-mrc.js';
import { encodeTiff } from '../shared/imaging/encode-tiff.js';
import { toMicrometres } from '../shared/imaging/pixel-size.js';
import { readImageFile } from '../shared/imaging/read-image-file.js';
import { sectionQuality } from '../shared/quality-metrics/section-quality.js';
import { alignStack } from '../shared/tiling/align-stack.js';
import { UsageError } from './usage-error.js';
import { parseCommandArgs } from './parse-command-args.js';

const MODELS: readonly SectionModel[] = [
  'translation',
  'xscale-shift',
  'scale-shift',
  'affine',
  'regularized-affine',
];

export const ALIGN_USAGE = `usage: metdb align <stack> <out.mrc|out.tif> [--model M] [--lambda L] [--tile N] [--smooth W,O] [--subtract-trend] [--json]

Frame-to-frame alignment of a stack (FIB-SEM sections, MRC or multi-page TIFF): each section is
measured against the one before from the phase-correlation shifts of its tiles (model fitted by
least squares, outliers dropped), the steps are chained into one transform per section and every
section is resampled onto the first. Prints one line per section (its matrix, tiles, residual,
and "flagged" when it had too little evidence and was bridged by a shift) and the registration
quality of the result (docs/quality-metrics.md).
  --model M         translation, xscale-shift, scale-shift, affine (default), regularized-affine
  --lambda L        regularized-affine's pull toward a shift (default 0.1)
  --tile N          tile edge in pixels (default 256)
  --smooth W,O      Savitzky-Golay window and order over the sections for scale and shear
  --subtract-trend  subtract a straight line from the x and y translations
  --json            print JSON`;

/** `metdb align`: one stack in, the aligned stack out. Returns the exit code. */
export async function alignCommand(args: string[], out: (line: string) => void): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      model: { type: 'string', default: 'affine' },
      lambda: { type: 'string', default: '0.1' },
      tile: { type: 'string', default: '256' },
      smooth: { type: 'string' },
      'subtract-trend': { type: 'boolean', default: false },
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
  const model = values.model as SectionModel;
  if (!MODELS.includes(model))
    throw new UsageError(`--model must be one of ${MODELS.join(', ')}, got "${values.model}"`, ALIGN_USAGE);
  const lambda = Number(values.lambda);
  if (!(lambda >= 0))
    throw new UsageError(`--lambda must be a number >= 0, got "${values.lambda}"`, ALIGN_USAGE);
  const tileSize = Number(values.tile);
  if (!Number.isInteger(tileSize) || tileSize < 16)
    throw new UsageError(`--tile must be an integer >= 16, got "${values.tile}"`, ALIGN_USAGE);
  let smoothing: { window: number; order: number } | undefined;
  if (values.smooth !== undefined) {
    const [window, order] = values.smooth.split(',').map(Number);
    if (!Number.isInteger(window) || !Number.isInteger(order) || window! < 1 || order! < 0) {
      throw new UsageError(
        `--smooth must be W,O (window and order, integers), got "${values.smooth}"`,
        ALIGN_USAGE,
      );
    }
    smoothing = { window: window!, order: order! };
  }
  const { array, info } = await readImageFile(input);
  if (array.shape.length !== 3)
    throw new MetdbError('invalid-argument', `${input}: not a stack (shape [${array.shape.join(', ')}])`);
  const result = alignStack(array, {
    model,
    lambda,
    tileSize,
    ...(smoothing && { smoothing }),
    subtractLinearTrend: values['subtract-trend'],
  });
  const size = info.pixelSize;
  const angstrom = (v: number | null) =>
    v === null || size === null ? 0 : toMicrometres(v, size.unit) * 1e4;
  await writeFile(
    output,
    format === 'mrc'
      ? encodeMrc(result.aligned, {
          ...(size !== null && {
            voxelSize: { x: angstrom(size.x), y: angstrom(size.y), z: angstrom(size.z) },
          }),
          labels: [`Aligned by Met-db (${model}) from ${input.split(/[\\/]/).pop() ?? input}`.slice(0, 80)],
        })
      : encodeTiff(result.aligned),
  );
  const quality = sectionQuality(result.aligned, { bins: 256 });
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
    out(JSON.stringify({ input, output, model, sections, quality }));
    return 0;
  }
  out(`${output}: ${array.shape[0]} sections aligned (${model})`);
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
