import { readImageFile } from '../shared/imaging/read-image-file.js';
import { normalizedCrossCorrelation } from '../shared/aggregation/ncc.js';
import { chanceLevel } from '../shared/quality/chance-level.js';
import { judgeAgainstChance, type QualityVerdict } from '../shared/quality/quality-verdict.js';
import { transformChanceLevel } from '../shared/quality/transform-chance-level.js';
import { phaseCrossCorrelation } from '../shared/registration/phase-cross-correlation.js';
import { registerSimilarity } from '../shared/registration/similarity/register-similarity.js';
import { shiftMatrix } from '../shared/registration/similarity/transform-matrix.js';
import { parseUpsample, UPSAMPLE_LIMITS_TEXT } from './parse-upsample.js';
import { UsageError } from './usage-error.js';
import { AFFINE_MODELS, isAffineModel } from '../shared/aggregation/section-transform.js';
import { registerAffineCommand } from './register-affine-command.js';
import { parseCommandArgs } from './parse-command-args.js';

export const REGISTER_USAGE = `usage: metdb register <reference> <moving> [--model M] [--lambda L] [--tile N] [--upsample N] [--normalization phase|none] [--channel C] [--json]

Registers <moving> onto <reference> (TIFF 8/16-bit or float, multi-page as a 3D stack, PNG, JPEG,
MRC) and prints the transform that aligns moving with reference: its matrix (3x3, x/y pixel
coordinates from the centre of the top-left pixel, mapping moving points onto reference points;
see docs/messages.md) and, for a translation, the shift (axis order (z,) y, x, pixels), the error
(sqrt(1 - NCC²) over the overlap), the phase difference; for rigid and similarity, the angle (degrees)
and scale; and the quality verdict (good, low or failed: docs/quality.md; exit code 1 when failed).

  --model M        translation (default; phase cross-correlation, 2D or 3D), rigid (rotation and
                   translation) or similarity (rotation, uniform scale 0.5-2, translation), 2D only,
                   by the Fourier-Mellin transform refined on the intensities; or, 2D only, one
                   of the FIB-SEM affine models fitted to tile shifts: affine, xscale-shift,
                   scale-shift, regularized-affine (docs/fibsem.md)
  --lambda L       regularized-affine's pull toward a shift (default 0.1)
  --tile N         tile edge in pixels for the affine models (default 256)
  --upsample N     subpixel precision 1/N px, N from ${UPSAMPLE_LIMITS_TEXT} (default 1;
                   the affine models' tiles: default 20)`;

/** `metdb register`: one pair, one result. Returns the exit code. */
export async function registerCommand(args: string[], out: (line: string) => void): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      model: { type: 'string', default: 'translation' },
      upsample: { type: 'string' },
      lambda: { type: 'string' },
      tile: { type: 'string', default: '256' },
      normalization: { type: 'string', default: 'phase' },
      channel: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    REGISTER_USAGE,
    out,
  );
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 2) throw new UsageError('expected two image files', REGISTER_USAGE);
  const upsampleFactor = parseUpsample(values.upsample ?? '1', REGISTER_USAGE);
  const normalization = values.normalization;
  if (normalization !== 'phase' && normalization !== 'none') {
    throw new UsageError(`--normalization must be phase or none, got "${normalization}"`, REGISTER_USAGE);
  }
  const channel = values.channel === undefined ? undefined : Number(values.channel);
  if (channel !== undefined && !Number.isInteger(channel)) {
    throw new UsageError(`--channel must be an integer, got "${values.channel}"`, REGISTER_USAGE);
  }
  const model = values.model;
  if (model !== 'translation' && model !== 'rigid' && model !== 'similarity' && !isAffineModel(model)) {
    throw new UsageError(
      `--model must be translation, rigid, similarity, ${AFFINE_MODELS.join(', ')}, got "${model}"`,
      REGISTER_USAGE,
    );
  }
  const lambda = values.lambda === undefined ? undefined : Number(values.lambda);
  if (lambda !== undefined && !(lambda >= 0))
    throw new UsageError(`--lambda must be a number >= 0, got "${values.lambda}"`, REGISTER_USAGE);
  const tileSize = Number(values.tile);
  if (!Number.isInteger(tileSize) || tileSize < 16)
    throw new UsageError(`--tile must be an integer >= 16, got "${values.tile}"`, REGISTER_USAGE);
  const [referencePath, movingPath] = positionals as [string, string];
  const options = channel === undefined ? {} : { channel };
  const [reference, moving] = await Promise.all([
    readImageFile(referencePath, options),
    readImageFile(movingPath, options),
  ]);
  if (isAffineModel(model)) {
    const run = { model, tileSize, json: values.json, names: [referencePath, movingPath] as const };
    return registerAffineCommand(
      reference.array,
      moving.array,
      {
        ...run,
        upsampleFactor: values.upsample === undefined ? 20 : upsampleFactor,
        ...(lambda !== undefined && { lambda }),
      },
      out,
    );
  }
  if (model !== 'translation') {
    const r = registerSimilarity(reference.array, moving.array, { model });
    const { matrix, angle, scale, shift } = r;
    const chance = transformChanceLevel(reference.array, moving.array, matrix, model);
    const verdict = judgeAgainstChance(chance);
    if (values.json) {
      out(
        JSON.stringify({
          model,
          matrix,
          angle,
          scale,
          shift,
          residual: finiteOrNull(r.residual),
          quality: verdict.quality,
          qualityReasons: verdict.reasons,
          nccAfter: finiteOrNull(chance.nccAfter),
          nccChance: finiteOrNull(chance.nccChance),
        }),
      );
    } else {
      out(
        `${model}: angle ${angle.toFixed(4)} deg, scale ${scale.toFixed(5)}, centre shift y=${shift[0].toFixed(3)} x=${shift[1].toFixed(3)} px (moves ${movingPath} onto ${referencePath})`,
      );
      out(`matrix ${JSON.stringify(matrix.map((row) => row.map((v) => Number(v.toPrecision(10)))))}`);
      out(qualityLine(verdict, chance));
    }
    return verdict.quality === 'failed' ? 1 : 0;
  }
  const result = phaseCrossCorrelation(reference.array, moving.array, { upsampleFactor, normalization });
  // The evidence: the NCC over the overlap at the shift, the real error from it, and whether the
  // pair stands above what registering unrelated content of the same kind reaches.
  const nccAfter = normalizedCrossCorrelation(reference.array, moving.array, { shift: result.shift });
  const chance = chanceLevel(reference.array, moving.array, result.shift);
  const verdict = judgeAgainstChance(chance);
  const error = Number.isFinite(nccAfter) ? Math.sqrt(Math.max(0, 1 - nccAfter * nccAfter)) : Number.NaN;
  if (values.json) {
    out(
      JSON.stringify({
        model,
        matrix: shiftMatrix(result.shift),
        shift: result.shift,
        error: finiteOrNull(error),
        phasediff: result.phasediff,
        quality: verdict.quality,
        qualityReasons: verdict.reasons,
        nccAfter: finiteOrNull(nccAfter),
        nccChance: finiteOrNull(chance.nccChance),
        skimageError: finiteOrNull(result.error),
      }),
    );
  } else {
    const axes = result.shift.length === 3 ? ['z', 'y', 'x'] : ['y', 'x'];
    const shift = result.shift.map((s, i) => `${axes[i] ?? `axis${i}`}=${s.toFixed(3)}`).join(' ');
    out(
      `shift ${shift} px (moves ${movingPath} onto ${referencePath}); error ${error.toFixed(4)}; phasediff ${result.phasediff.toFixed(4)} rad`,
    );
    out(qualityLine(verdict, { nccAfter, nccChance: chance.nccChance }));
  }
  return verdict.quality === 'failed' ? 1 : 0;
}

function qualityLine(verdict: QualityVerdict, ncc: { nccAfter: number; nccChance: number }): string {
  const why = verdict.reasons.length === 0 ? '' : ` (${verdict.reasons.join('; ')})`;
  return `quality ${verdict.quality}${why}; NCC ${ncc.nccAfter.toFixed(3)}, chance level ${ncc.nccChance.toFixed(3)}`;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
