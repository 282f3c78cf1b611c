import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { localisationDriftCsv } from '../shared/drift/drift-csv.js';
import { localisationDriftJson } from '../shared/drift/drift-json.js';
import { MetdbError } from '../shared/errors/metdb-error.js';
import { correctLocalisations } from '../shared/localisations/correct-localisations.js';
import { localisationDrift } from '../shared/localisations/localisation-drift.js';
import { parseLocalisations, type LocalisationColumns } from '../shared/localisations/parse-localisations.js';
import { UsageError } from './usage-error.js';
import { parseCommandArgs } from './parse-command-args.js';

export const DRIFT_USAGE = `usage: metdb drift <localisations.csv> --out DIR [--columns frame=t,x=x_nm,y=y_nm[,z=z_nm]]
                   [--bin-frames N] [--pixel-size NM] [--window W] [--interpolation linear|cubic] [--json]
       metdb drift apply <drift.csv|drift.json> <stack> --out DIR [--method fourier|spline]

Drift of a localisation microscopy acquisition from the localisations themselves (redundant
cross-correlation, Wang et al. 2014): one super-resolution image per time bin, every pair of bins
within W bins registered, the drift solved by weighted least squares and interpolated onto every
frame. Reads ThunderSTORM's columns (frame, "x [nm]", "y [nm]", optional "z [nm]"); --columns maps
other headers. Bin size and pixel size default to values chosen from the data's density.

Writes DIR/drift.csv (frame,drift_x_nm,drift_y_nm[,drift_z_nm]: position at that frame minus at the
first frame), DIR/drift.json (settings, bins, pairs, errors) and DIR/<name>_corrected.csv (the input
with corrected coordinates, every other column untouched).`;

/** `metdb drift`: localisation drift. Returns the exit code. */
export async function driftCommand(args: string[], out: (line: string) => void): Promise<number> {
  if (args[0] === 'apply')
    return (await import('./drift-apply-command.js')).driftApplyCommand(args.slice(1), out);
  const parsed = parseCommandArgs(
    args,
    {
      out: { type: 'string' },
      columns: { type: 'string' },
      'bin-frames': { type: 'string' },
      'pixel-size': { type: 'string' },
      window: { type: 'string' },
      interpolation: { type: 'string', default: 'cubic' },
      json: { type: 'boolean', default: false },
    },
    DRIFT_USAGE,
    out,
  );
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('expected one localisation table', DRIFT_USAGE);
  if (values.out === undefined) throw new UsageError('--out DIR is required', DRIFT_USAGE);
  const interpolation = values.interpolation;
  if (interpolation !== 'linear' && interpolation !== 'cubic') {
    throw new UsageError(`--interpolation must be linear or cubic, got "${interpolation}"`, DRIFT_USAGE);
  }
  const binFrames = positiveNumber(values['bin-frames'], '--bin-frames', true);
  const pixelSize = positiveNumber(values['pixel-size'], '--pixel-size', false);
  const window = positiveNumber(values.window, '--window', true);
  const columns = values.columns === undefined ? {} : parseColumns(values.columns);
  const input = positionals[0]!;
  const text = await readFile(input, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new MetdbError('not-found', `cannot read ${input}: ${error.code ?? error.message}`, {
      cause: error,
    });
  });
  const started = performance.now();
  const table = parseLocalisations(text, { columns, source: input });
  const result = localisationDrift(table, {
    ...(binFrames === undefined ? {} : { binFrames }),
    ...(pixelSize === undefined ? {} : { pixelSize }),
    ...(window === undefined ? {} : { window }),
    interpolation,
  });
  const name = basename(input, extname(input));
  const files = {
    drift: join(values.out, 'drift.csv'),
    json: join(values.out, 'drift.json'),
    corrected: join(values.out, `${name}_corrected.csv`),
  };
  await mkdir(values.out, { recursive: true });
  await writeFile(files.drift, localisationDriftCsv(result));
  await writeFile(files.json, localisationDriftJson(result, { interpolation, source: basename(input) }));
  await writeFile(files.corrected, correctLocalisations(table, result));
  const seconds = (performance.now() - started) / 1000;
  const largest = Math.max(...result.drift.map((d) => Math.hypot(...d)));
  const dropped = result.pairs.filter((p) => p.rejected).length;
  const summary = {
    localisations: table.x.length,
    frames: result.frames.length,
    axes: table.z === undefined ? 2 : 3,
    bins: result.bins.length,
    binFrames: result.binFrames,
    pixelSize: result.pixelSize,
    window: result.window,
    pairs: result.pairs.length,
    droppedPairs: dropped,
    rmsResidualNm: Number(result.rms.toFixed(3)),
    maxDriftNm: Number(largest.toFixed(3)),
    seconds: Number(seconds.toFixed(2)),
    outputs: files,
  };
  if (values.json) {
    out(JSON.stringify(summary));
  } else {
    out(
      `${basename(input)}: ${summary.localisations} localisations in ${summary.frames} frames (${summary.axes}D); ` +
        `${summary.bins} bins of ${summary.binFrames} frames, ${summary.pixelSize} nm pixels, window ${summary.window}; ` +
        `${summary.pairs} pairs, ${dropped} dropped, RMS residual ${result.rms.toFixed(2)} nm; ` +
        `drift up to ${largest.toFixed(1)} nm (${seconds.toFixed(1)} s)`,
    );
    out(`wrote ${files.drift}, ${files.json}, ${files.corrected}`);
  }
  return 0;
}

function positiveNumber(text: string | undefined, flag: string, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new UsageError(
      `${flag} must be a positive ${integer ? 'integer' : 'number'}, got "${text}"`,
      DRIFT_USAGE,
    );
  }
  return v;
}

/** `frame=t,x=x_nm,y=y_nm` to a column mapping; header names may contain spaces and brackets. */
function parseColumns(text: string): Partial<LocalisationColumns> {
  const mapping: Partial<LocalisationColumns> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const role = part.slice(0, eq).trim();
    const name = part.slice(eq + 1).trim();
    if (eq < 0 || name === '' || !['frame', 'x', 'y', 'z'].includes(role)) {
      throw new UsageError(
        `--columns takes role=name pairs (roles frame, x, y, z), got "${part}"`,
        DRIFT_USAGE,
      );
    }
    mapping[role as keyof LocalisationColumns] = name;
  }
  return mapping;
}
