import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { defaultOutputFolder } from '../local/local-runner.js';
import { runFolder, type RunSummary } from '../local/run-folder.js';
import { stitchFolder } from '../local/stitch-folder.js';
import type { LayoutSource } from '../shared/stitching/layout-source.js';
import { DatasetSettingsSchema, SETTINGS_FILE } from '../shared/pipeline/dataset-settings.js';
import { datasetLayoutOf, LAYOUT_FILE, type StitchSettings } from '../shared/pipeline/stitch-settings.js';
import { axisNames } from '../shared/outputs/image-result.js';
import { writtenSeriesFiles } from '../shared/outputs/write-series-outputs.js';
import { checkInputFolder } from './input-folder.js';
import { createProgress } from './progress.js';
import { parseCommandArgs } from './parse-command-args.js';
import { parseWorkers } from './parse-workers.js';
import { printStitchResult } from './stitch-command.js';
import { UsageError } from './usage-error.js';

export const RUN_USAGE = `usage: metdb run <folder> [--out DIR] [--workers N] [--db URL] [--average full|crop|none] [--json] [--truth FILE]

Registers every image of <folder> (TIFF 8/16-bit or float, multi-page stacks, PNG, JPEG, MRC) onto
the dataset's reference (the first file by name, or "reference" in <folder>/metdb.json, which also
takes tileSize, upsampleFactor, preprocessing... as in the cloud pipeline), tile by tile on worker
threads, and writes to DIR (default .metdb/<folder name> in the current folder, outside <folder>):
metdb.sqlite, shifts.csv, shifts.json, registered/ (OME-TIFF, or ImageJ hyperstacks for ImageJ
inputs, every channel), registered.ome.zarr, average.tif and report.html. Shifts are in pixels
(and µm where the files state a pixel size), axis order (z,) y, x, and register each image onto
the reference.

  --out DIR        output folder (default .metdb/<folder name>)
  --workers N      worker threads (default: all cores)
  --db URL         database: SQLite path or mysql://user:pass@host/db (default DIR/metdb.sqlite)
  --average MODE   stacked average on the full canvas, cropped to the region every frame covers
                   (crop; overlap is the same), or none
  --json           print only the summary as JSON (no progress)
  --truth FILE     compare with known shifts ({ frames: [{ file, shift }] }) and print the errors

A mosaic folder ("stitch" in metdb.json, or a TileConfiguration.txt) is stitched as by
metdb stitch, with the layout and options metdb.json gives (docs/stitching.md).

Every registration gets a quality verdict, good, low or failed, with its reasons (docs/quality.md).
Bad files are reported and recorded as failed; the exit code is 1 when no image registered with
quality good.`;

/** `metdb run <folder>`: the pipeline on a folder, on this machine. Returns the exit code. */
export async function runCommand(args: string[], out: (line: string) => void): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      out: { type: 'string' },
      workers: { type: 'string' },
      db: { type: 'string' },
      average: { type: 'string', default: 'full' },
      json: { type: 'boolean', default: false },
      truth: { type: 'string' },
    },
    RUN_USAGE,
    out,
  );
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('expected one folder', RUN_USAGE);
  await checkInputFolder(positionals[0]!);
  const workers = parseWorkers(values.workers, RUN_USAGE);
  // `crop` is the image-stacking name; `overlap`, the earlier one, stays a synonym.
  const average = values.average === 'crop' ? 'overlap' : values.average;
  if (average !== 'full' && average !== 'overlap' && average !== 'none') {
    throw new UsageError(`--average must be full, crop or none, got "${values.average}"`, RUN_USAGE);
  }
  const mosaic = await mosaicOf(positionals[0]!);
  if (mosaic !== undefined) {
    // A mosaic's tiles are stitched together, as in the cloud, not registered to a reference.
    const { layout, settings } = mosaic;
    const stitched = await stitchFolder({
      dir: positionals[0]!,
      layout,
      out: values.out ?? defaultOutputFolder(basename(resolve(positionals[0]!))),
      channel: settings.channel ?? 0,
      fuse: settings.fuse ?? true,
      ...(settings.margin === undefined ? {} : { margin: settings.margin }),
    });
    printStitchResult(stitched, values.json, out);
    return 0;
  }
  const progress = createProgress({ mode: values.json ? 'none' : undefined });
  let summary: RunSummary;
  try {
    summary = await runFolder(positionals[0]!, {
      ...(values.out === undefined ? {} : { out: values.out }),
      ...(workers === undefined ? {} : { workers }),
      ...(values.db === undefined ? {} : { db: values.db }),
      average: average === 'none' ? false : average,
      ...(values.json ? { logLevel: 'error' as const } : {}),
      onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.finish();
  }
  const truth = values.truth === undefined ? undefined : await compareWithTruth(summary, values.truth);
  if (values.json) out(JSON.stringify(summaryJson(summary, truth)));
  else printSummary(summary, truth, out);
  return exitCodeOf(summary);
}

/**
 * The folder's layout when it is a mosaic, as the cloud decides: `"stitch"` in its metdb.json, or
 * a TileConfiguration.txt. Undefined otherwise (an unreadable metdb.json is the run's to report).
 */
async function mosaicOf(
  folder: string,
): Promise<{ layout: LayoutSource; settings: StitchSettings } | undefined> {
  const text = await readFile(join(folder, SETTINGS_FILE), 'utf8').catch(() => undefined);
  let parsed: unknown;
  try {
    parsed = text === undefined ? {} : JSON.parse(text);
  } catch {
    return undefined;
  }
  const settings = DatasetSettingsSchema.safeParse(parsed);
  if (!settings.success) return undefined;
  const stitch = settings.data.stitch ?? (existsSync(join(folder, LAYOUT_FILE)) ? {} : undefined);
  if (stitch === undefined) return undefined;
  const layout = datasetLayoutOf(stitch);
  return {
    layout: layout.kind === 'file' ? { kind: 'file', path: join(folder, layout.path) } : layout,
    settings: stitch,
  };
}

/**
 * 0 when at least one image registered with quality good (or, with nothing to register, the
 * reference alone is in), 1 otherwise: a run whose every registration is low or failed is not a
 * success. The frames of a series whose trajectory is not trustworthy (verdict `failed`) count as
 * not good.
 */
export function exitCodeOf(summary: RunSummary): number {
  const untrusted = new Set(summary.series.filter((s) => s.verdict?.quality === 'failed').map((s) => s.file));
  const moving = summary.results.filter((r) => r.role !== 'reference');
  const good = (r: (typeof moving)[number]) =>
    r.role === 'registered' && r.quality === 'good' && !(r.frame !== undefined && untrusted.has(r.file));
  if (moving.some(good)) return 0;
  return moving.length === 0 && summary.registered > 0 ? 0 : 1;
}

interface TruthComparison {
  readonly file: string;
  readonly expected: number[];
  readonly recovered: number[] | null;
  /** Largest absolute error over the axes, pixels (null when not registered). */
  readonly error: number | null;
}

async function compareWithTruth(summary: RunSummary, path: string): Promise<TruthComparison[]> {
  const truth = JSON.parse(await readFile(path, 'utf8')) as { frames?: { file: string; shift: number[] }[] };
  return (truth.frames ?? []).map((f) => {
    const r = summary.results.find((x) => x.file === f.file);
    const recovered = r?.shift === null || r === undefined ? null : [...r.shift];
    const error =
      recovered === null ? null : Math.max(...f.shift.map((s, a) => Math.abs(s - (recovered[a] ?? NaN))));
    return { file: f.file, expected: f.shift, recovered, error };
  });
}

function summaryJson(s: RunSummary, truth: TruthComparison[] | undefined): unknown {
  return {
    dataset: s.dataset,
    datasetId: s.datasetId,
    folder: s.folder,
    out: s.out,
    workers: s.workers,
    elapsedMs: s.elapsedMs,
    tiles: s.tiles,
    registered: s.registered,
    failed: s.failed,
    images: s.results.map(({ tiles: _tiles, ...rest }) => rest),
    files: s.files,
    ignored: s.ignored,
    deadLetters: s.deadLetters.map((d) => ({ topic: d.topic, attempts: d.attempts, error: d.error })),
    outputs: s.outputs,
    series: s.series.map(({ trajectory: _trajectory, ...rest }) => rest),
    seriesOutputs: s.seriesOutputs.map(writtenSeriesFiles),
    ...(truth === undefined ? {} : { truth }),
  };
}

/** "3 images", or with series "1 series of 12 frames" (frames are rows like images). */
function countLabel(s: RunSummary): string {
  const frames = s.results.filter((r) => r.frame !== undefined).length;
  const images = s.results.length - frames;
  const series = `${s.series.length} series of ${frames} frames`;
  if (frames === 0) return `${images} images`;
  return images === 0 ? series : `${images} images, ${series}`;
}

function printSummary(
  s: RunSummary,
  truth: TruthComparison[] | undefined,
  out: (line: string) => void,
): void {
  const seconds = (s.elapsedMs / 1000).toFixed(1);
  const low = s.results.filter((r) => r.role === 'registered' && r.quality === 'low').length;
  // The same counts as the report's: the reference is not counted as registered.
  const count = (role: string) => s.results.filter((r) => r.role === role).length;
  const references = count('reference');
  out(
    `metdb run ${s.dataset}: ${countLabel(s)}${references === 0 ? '' : `, ${references} reference`}, ${count('registered')} registered${low === 0 ? '' : ` (${low} of low quality)`}, ${s.failed} failed; ${s.tiles} tiles in ${seconds} s on ${s.workers} worker${s.workers === 1 ? '' : 's'}`,
  );
  for (const f of s.files) if (f.readAs !== undefined) out(`  ${f.file}: ${f.readAs}`);
  const label = (r: (typeof s.results)[number]) =>
    r.frame === undefined ? r.file : `${r.file} [${r.frame}]`;
  const width = Math.max(4, ...s.results.map((r) => label(r).length));
  for (const r of s.results) {
    const axes = axisNames(r.shift?.length ?? 2);
    const shift = r.shift === null ? '' : r.shift.map((v, a) => `${axes[a]}=${v.toFixed(3)}`).join(' ');
    const ncc =
      r.nccBefore === null || r.nccAfter === null
        ? ''
        : `  NCC ${r.nccBefore.toFixed(3)} -> ${r.nccAfter.toFixed(3)}`;
    const verdict =
      r.role === 'registered'
        ? `  quality ${r.quality ?? '?'}${r.qualityReasons.length === 0 ? '' : ` (${r.qualityReasons.join('; ')})`}`
        : '';
    const reason = r.failureReason === null ? '' : `  ${r.failureReason}`;
    out(`  ${label(r).padEnd(width)}  ${r.role.padEnd(10)}  ${shift}${ncc}${verdict}${reason}`);
  }
  if (s.ignored.length > 0) out(`  ignored (not images): ${s.ignored.join(', ')}`);
  const recorded = new Set(s.results.map((r) => r.file));
  const duplicates = s.files.filter((f) => f.outcome === 'duplicate' && !recorded.has(f.file));
  if (duplicates.length > 0) {
    out(`  duplicates (same bytes as an image already in): ${duplicates.map((f) => f.file).join(', ')}`);
  }
  if (s.deadLetters.length > 0) {
    out(
      `  ${s.deadLetters.length} message(s) could not be processed: ${s.deadLetters.map((d) => d.error.message).join('; ')}`,
    );
  }
  const rel = (p: string) => relative(process.cwd(), p) || '.';
  out(
    `outputs in ${rel(s.out)}: shifts.csv, shifts.json, report.html, ${s.outputs.registered.length} registered image(s)${s.outputs.omeZarr === null ? '' : ', registered.ome.zarr'}${s.outputs.average === null ? '' : ', average.tif'}`,
  );
  for (const w of s.seriesOutputs) {
    const series = s.series.find((x) => x.file === w.file);
    const largest = Math.max(0, ...(series?.drift ?? []).map((d) => Math.hypot(...d)));
    const written = [
      w.driftCsv,
      w.driftJson,
      ...(w.corrected === null ? [] : [w.corrected]),
      ...(w.transformsCsv === undefined ? [] : [w.transformsCsv, w.transformsJson!]),
      ...(w.quality === null ? [] : [w.quality.csv, w.quality.json]),
    ].map(rel);
    const verdict = series?.verdict;
    const trust =
      verdict == null
        ? ''
        : `, quality ${verdict.quality}${verdict.reasons.length === 0 ? '' : ` (${verdict.reasons.join('; ')})`}`;
    const sections = series?.sections;
    const flagged = sections?.solved.filter((x) => x.flagged !== null).length ?? 0;
    out(
      sections === undefined
        ? `series ${w.file}: ${series?.frames ?? '?'} frames, mode ${series?.mode ?? '?'}, drift up to ${largest.toFixed(2)} px${trust}; wrote ${written.join(', ')}`
        : `stack ${w.file}: ${sections.solved.length} sections chained (${sections.chain.model}), ${flagged} flagged and bridged${trust}; wrote ${written.join(', ')}`,
    );
  }
  if (truth !== undefined) {
    const known = truth.filter((t) => t.error !== null);
    const worst = Math.max(0, ...known.map((t) => t.error!));
    const mean = known.length === 0 ? 0 : known.reduce((a, t) => a + t.error!, 0) / known.length;
    out(
      `compared with the known shifts: ${known.length}/${truth.length} frames recovered, max error ${worst.toFixed(3)} px, mean ${mean.toFixed(3)} px`,
    );
    for (const t of truth) {
      const rec =
        t.recovered === null ? 'not registered' : `[${t.recovered.map((v) => v.toFixed(3)).join(', ')}]`;
      out(
        `  ${t.file.padEnd(width)}  known [${t.expected.map((v) => v.toFixed(3)).join(', ')}]  recovered ${rec}${t.error === null ? '' : `  error ${t.error.toFixed(3)} px`}`,
      );
    }
  }
}
