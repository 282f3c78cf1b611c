import { parseArgs } from 'node:util';
import { readImageFile } from '../shared/imaging/read-image-file.js';
import { phaseCrossCorrelation } from '../shared/registration/phase-cross-correlation.js';
import { parseUpsample, UPSAMPLE_LIMITS_TEXT } from './parse-upsample.js';
import { UsageError } from './usage-error.js';

export const REGISTER_USAGE = `usage: metdb register <reference> <moving> [--upsample N] [--normalization phase|none] [--channel C] [--json]

Registers <moving> onto <reference> (TIFF 8/16-bit or float, multi-page as a 3D stack, PNG, JPEG,
MRC) by phase cross-correlation and prints the shift (axis order (z,) y, x, pixels) that aligns
moving with reference, the error and the phase difference.

  --upsample N     subpixel precision 1/N px, N from ${UPSAMPLE_LIMITS_TEXT} (default 1)`;

/** `metdb register`: one pair, one result. Returns the exit code. */
export async function registerCommand(args: string[], out: (line: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        upsample: { type: 'string', default: '1' },
        normalization: { type: 'string', default: 'phase' },
        channel: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message, REGISTER_USAGE);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(REGISTER_USAGE);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError('expected two image files', REGISTER_USAGE);
  const upsampleFactor = parseUpsample(values.upsample, REGISTER_USAGE);
  const normalization = values.normalization;
  if (normalization !== 'phase' && normalization !== 'none') {
    throw new UsageError(`--normalization must be phase or none, got "${normalization}"`, REGISTER_USAGE);
  }
  const channel = values.channel === undefined ? undefined : Number(values.channel);
  if (channel !== undefined && !Number.isInteger(channel)) {
    throw new UsageError(`--channel must be an integer, got "${values.channel}"`, REGISTER_USAGE);
  }
  const [referencePath, movingPath] = positionals as [string, string];
  const options = channel === undefined ? {} : { channel };
  const [reference, moving] = await Promise.all([
    readImageFile(referencePath, options),
    readImageFile(movingPath, options),
  ]);
  const result = phaseCrossCorrelation(reference.array, moving.array, { upsampleFactor, normalization });
  if (values.json) {
    out(
      JSON.stringify({ shift: result.shift, error: finiteOrNull(result.error), phasediff: result.phasediff }),
    );
  } else {
    const axes = result.shift.length === 3 ? ['z', 'y', 'x'] : ['y', 'x'];
    const shift = result.shift.map((s, i) => `${axes[i] ?? `axis${i}`}=${s.toFixed(3)}`).join(' ');
    out(
      `shift ${shift} px (moves ${movingPath} onto ${referencePath}); error ${result.error.toFixed(4)}; phasediff ${result.phasediff.toFixed(4)} rad`,
    );
  }
  return 0;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
