import { stitchFolder, type StitchFolderResult } from '../local/stitch-folder.js';
import { isMetdbError } from '../shared/errors/metdb-error.js';
import { parseGridSource, type LayoutSource } from '../shared/stitching/layout-source.js';
import { UsageError } from './usage-error.js';
import { parseCommandArgs } from './parse-command-args.js';

export const STITCH_USAGE = `usage: metdb stitch <folder> [--layout FILE | --grid ROWSxCOLS --overlap P% [--order row|column|snake]]
                    --out DIR [--channel C] [--margin PX] [--no-fuse] [--json]

Stitches the tiles of <folder> into one mosaic. The layout gives each tile's expected position:
  --layout FILE   Fiji's TileConfiguration.txt (dim = 2; "name; ; (x, y)" per tile)
  --grid RxC      a regular grid of the folder's images in name order, with --overlap (10% or
                  10%,8% for x,y) and --order (row: row by row; column: column by column; snake:
                  rows alternately left-right and right-left), as Fiji's Grid/Collection stitching
  neither         the stage positions in the tiles' OME-XML (Plane PositionX/Y, over the pixel size)
Each pair of neighbours is registered on its expected overlap (within --margin pixels of the
layout, default 10% of the tile), edges are accepted by NCC against a null distribution and a
stage model, and positions solved by weighted least squares. Writes into DIR:
TileConfiguration.registered.txt, positions.csv, positions.json, mosaic.ome.tif, mosaic.ome.zarr/,
report.html.`;

/** `metdb stitch`: one folder of tiles, one mosaic. Returns the exit code. */
export async function stitchCommand(args: string[], out: (line: string) => void): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      layout: { type: 'string' },
      grid: { type: 'string' },
      overlap: { type: 'string' },
      order: { type: 'string', default: 'row' },
      out: { type: 'string' },
      channel: { type: 'string', default: '0' },
      margin: { type: 'string' },
      'no-fuse': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    STITCH_USAGE,
    out,
  );
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('expected one folder of tiles', STITCH_USAGE);
  if (values.out === undefined) throw new UsageError('--out DIR is required', STITCH_USAGE);
  const channel = Number(values.channel);
  if (!Number.isInteger(channel) || channel < 0)
    throw new UsageError(`--channel must be an integer >= 0, got "${values.channel}"`, STITCH_USAGE);
  const margin = values.margin === undefined ? undefined : Number(values.margin);
  if (margin !== undefined && !(Number.isInteger(margin) && margin >= 1)) {
    throw new UsageError(
      `--margin must be a whole number of pixels >= 1, got "${values.margin}"`,
      STITCH_USAGE,
    );
  }
  const layout = layoutSource(values);
  const dir = positionals[0]!;
  const stitched = await stitchFolder({
    dir,
    layout,
    out: values.out,
    channel,
    fuse: !values['no-fuse'],
    ...(margin === undefined ? {} : { margin }),
  });
  printStitchResult(stitched, values.json, out);
  return 0;
}

/** The stitch summary: one line and the outputs, or the JSON summary (`metdb stitch`, `metdb run` on a mosaic). */
export function printStitchResult(
  { result, outputs, seconds }: StitchFolderResult,
  json: boolean,
  out: (line: string) => void,
): void {
  const accepted = result.edges.filter((e) => e.status === 'accepted').length;
  const stage = result.tiles.filter((t) => t.status === 'stage');
  if (json) {
    out(
      JSON.stringify({
        tiles: result.tiles.length,
        edges: result.edges.length,
        acceptedEdges: accepted,
        nccThreshold: result.threshold.threshold,
        stageTiles: stage.map((t) => t.name),
        positions: result.tiles.map((t) => ({ file: t.name, x: t.x, y: t.y, status: t.status })),
        outputs,
        seconds,
      }),
    );
  } else {
    out(
      `stitched ${result.tiles.length} tiles: ${accepted} of ${result.edges.length} edges accepted (NCC > ${result.threshold.threshold.toFixed(3)}), ${stage.length === 0 ? 'every tile registered' : `${stage.length} tile(s) kept at their stage position: ${stage.map((t) => t.name).join(', ')}`}`,
    );
    for (const [role, path] of Object.entries(outputs)) out(`  ${role}: ${path}`);
  }
}

function layoutSource(values: {
  layout?: string;
  grid?: string;
  overlap?: string;
  order?: string;
}): LayoutSource {
  if (values.layout !== undefined && values.grid !== undefined) {
    throw new UsageError('give either --layout FILE or --grid ROWSxCOLS, not both', STITCH_USAGE);
  }
  if (values.layout !== undefined) return { kind: 'file', path: values.layout };
  if (values.grid === undefined) return { kind: 'ome' };
  try {
    return parseGridSource({ ...values, grid: values.grid }, (option) => `--${option}`);
  } catch (error) {
    if (isMetdbError(error, 'invalid-argument')) throw new UsageError(error.message, STITCH_USAGE);
    throw error;
  }
}
