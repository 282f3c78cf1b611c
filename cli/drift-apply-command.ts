import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { applyDrift } from '../shared/drift/apply-drift.js';
import { parseDriftFile } from '../shared/drift/parse-drift-file.js';
import { MetdbError } from '../shared/errors/metdb-error.js';
import { encodeChannelsTiff } from '../shared/imaging/encode-channels-tiff.js';
import { decodeChannels } from '../shared/imaging/image-channels.js';
import { UsageError } from './usage-error.js';
import { parseCommandArgs } from './parse-command-args.js';

export const DRIFT_APPLY_USAGE = `usage: metdb drift apply <drift.csv|drift.json> <stack> --out DIR [--method fourier|spline]

Applies a saved series drift (drift.csv or drift.json in pixels, one row per frame) to another
stack of the same frames (another channel, the raw data): page k is shifted by minus the drift of
frame k (Fourier shift, or a cubic spline with zeros outside), every channel and the physical pixel
size kept, written as one multi-page TIFF DIR/<name>_corrected.tif (OME-TIFF, or an ImageJ
hyperstack when the input was one).`;

/** `metdb drift apply`. Returns the exit code. */
export async function driftApplyCommand(args: string[], out: (line: string) => void): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      out: { type: 'string' },
      method: { type: 'string', default: 'fourier' },
    },
    DRIFT_APPLY_USAGE,
    out,
  );
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 2) throw new UsageError('expected a drift file and a stack', DRIFT_APPLY_USAGE);
  if (values.out === undefined) throw new UsageError('--out DIR is required', DRIFT_APPLY_USAGE);
  const method = values.method;
  if (method !== 'fourier' && method !== 'spline') {
    throw new UsageError(`--method must be fourier or spline, got "${method}"`, DRIFT_APPLY_USAGE);
  }
  const [driftPath, stackPath] = positionals as [string, string];
  const read = (path: string) =>
    readFile(path).catch((error: NodeJS.ErrnoException) => {
      throw new MetdbError('not-found', `cannot read ${path}: ${error.code ?? error.message}`, {
        cause: error,
      });
    });
  const drift = parseDriftFile((await read(driftPath)).toString('utf8'), driftPath);
  const image = await decodeChannels(await read(stackPath));
  // A 3D drift moves volumes: the stack's planes are its rows' time points of whole volumes (t x z).
  const timePoints = drift.drift[0]?.length === 3 ? drift.drift.length : 1;
  const channels = image.channels.map((c) => {
    const planes = c.shape.length === 2 ? 1 : c.shape[0]!;
    const stack =
      timePoints > 1 && c.shape.length === 3 && planes % timePoints === 0
        ? { data: c.data, shape: [timePoints, planes / timePoints, ...c.shape.slice(1)] }
        : c.shape.length === 2
          ? { data: c.data, shape: [1, ...c.shape] }
          : c;
    try {
      return {
        ...applyDrift(stack, drift, { method }),
        shape: stack.shape.length === 4 ? [...c.shape] : stack.shape,
      };
    } catch (error) {
      throw new MetdbError(
        'invalid-value',
        `${stackPath}: ${(error as Error).message.replace(/^applyDrift: /, '')}`,
        { cause: error },
      );
    }
  });
  const target = join(
    values.out,
    `${basename(stackPath, extname(stackPath)).replace(/\.ome$/i, '')}_corrected.tif`,
  );
  await mkdir(values.out, { recursive: true });
  await writeFile(
    target,
    encodeChannelsTiff(
      { ...image, channels },
      {
        format: image.metadataFormat === 'imagej' ? 'imagej' : 'ome',
        name: basename(stackPath),
        ...(timePoints > 1 ? { timePoints } : {}),
      },
    ),
  );
  const frames = timePoints > 1 ? timePoints : channels[0]!.shape[0]!;
  out(
    `${basename(stackPath)}: ${frames} frames x ${channels.length} channel(s) shifted by the drift of ${basename(driftPath)} (${method}); wrote ${target}`,
  );
  return 0;
}
