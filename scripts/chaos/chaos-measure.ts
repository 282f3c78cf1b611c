import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { OUTPUTS_MANIFEST, OUTPUTS_PREFIX } from '../../shared/pipeline/publish-outputs.js';
import type { Database } from '../../shared/records/database-schema.js';
import type { ChaosStack } from './chaos-stack.js';

/** Row counts of the tables a scenario may touch, and the files the outputs' writers created. */
export interface RowCounts {
  images: number;
  jobs: number;
  tiles: number;
  registrations: number;
  deadLetters: number;
  mosaics: number;
  /** Measured items of mosaics (edges and null pairs). */
  mosaicItems: number;
  /** Files under `outputs/` (publishOutputs' and stitchSolve's). */
  outputFiles: number;
}

export async function rowCounts(stack: Pick<ChaosStack, 'db' | 'folder'>): Promise<RowCounts> {
  const { db } = stack;
  const count = async (
    table: 'images' | 'jobs' | 'tile_results' | 'registrations' | 'dead_letters' | 'mosaics' | 'mosaic_items',
  ) =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    images: await count('images'),
    jobs: await count('jobs'),
    tiles: await count('tile_results'),
    registrations: await count('registrations'),
    deadLetters: await count('dead_letters'),
    mosaics: await count('mosaics'),
    mosaicItems: await count('mosaic_items'),
    outputFiles: await filesUnder(join(stack.folder, OUTPUTS_PREFIX)),
  };
}

async function filesUnder(dir: string): Promise<number> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
  } catch {
    return 0;
  }
}

/**
 * What is settled but has no outputs: a dataset whose jobs are all final without the manifest
 * publishOutputs writes (`outputs/<datasetId>/v<version>/r<revision>/outputs.json`), a mosaic
 * `done` without its output prefix.
 */
export async function missingOutputs(stack: Pick<ChaosStack, 'db' | 'folder'>): Promise<string[]> {
  const jobs = await stack.db.selectFrom('jobs').select(['dataset_id', 'version', 'state']).execute();
  const byDataset = new Map<string, { version: number; state: string }[]>();
  for (const j of jobs) byDataset.set(j.dataset_id, [...(byDataset.get(j.dataset_id) ?? []), j]);
  const missing: string[] = [];
  for (const [id, js] of byDataset) {
    if (js.some((j) => j.state !== 'done' && j.state !== 'failed')) continue;
    const version = Math.max(...js.map((j) => j.version));
    const manifest = join(
      stack.folder,
      `${OUTPUTS_PREFIX}${id}/v${version}/r${js.length}/${OUTPUTS_MANIFEST}`,
    );
    if (!existsSync(manifest)) missing.push(`dataset ${id} v${version} r${js.length}`);
  }
  const mosaics = await stack.db
    .selectFrom('mosaics')
    .select(['id', 'output_prefix'])
    .where('state', '=', 'done')
    .execute();
  for (const m of mosaics) if (m.output_prefix === null) missing.push(`mosaic ${m.id}`);
  return missing;
}

/**
 * Rows that exist twice for one thing: usable images with the same bytes in a dataset, jobs with
 * the same pair and version, registrations of one job, tile results of one tile, mosaics of a
 * dataset with the same version.
 */
export async function duplicateRows(db: Kysely<Database>): Promise<number> {
  const extra = (keys: string[]) => {
    const seen = new Map<string, number>();
    for (const k of keys) seen.set(k, (seen.get(k) ?? 0) + 1);
    return [...seen.values()].reduce((sum, n) => sum + n - 1, 0);
  };
  const images = await db
    .selectFrom('images')
    .select(['dataset_id', 'content_hash'])
    .where('status', '=', 'ingested')
    .execute();
  const jobs = await db
    .selectFrom('jobs')
    .select(['reference_image_id', 'moving_image_id', 'version'])
    .execute();
  const registrations = await db.selectFrom('registrations').select('job_id').execute();
  const tiles = await db.selectFrom('tile_results').select(['job_id', 'tile_index']).execute();
  const mosaics = await db.selectFrom('mosaics').select(['dataset_id', 'version']).execute();
  return (
    extra(images.filter((i) => i.content_hash !== null).map((i) => `${i.dataset_id}/${i.content_hash}`)) +
    extra(jobs.map((j) => `${j.reference_image_id}/${j.moving_image_id}/${j.version}`)) +
    extra(registrations.map((r) => r.job_id)) +
    extra(tiles.map((t) => `${t.job_id}/${t.tile_index}`)) +
    extra(mosaics.map((m) => `${m.dataset_id}/${m.version}`))
  );
}

/**
 * Uploads that left no trace: no image row under their name (or under the hash-shortened name
 * ingest gives a name a row cannot hold), or a row still `received` (claimed, never finished).
 */
export async function lostUploads(db: Kysely<Database>, names: readonly string[]): Promise<string[]> {
  return (await uploadStates(db, names))
    .filter((u) => u.status === undefined || u.status === 'received')
    .map((u) => u.name);
}

/** Each upload's image row status (undefined: no row), by name or hash-shortened name. */
export async function uploadStates(
  db: Kysely<Database>,
  names: readonly string[],
): Promise<{ name: string; status: string | undefined }[]> {
  const rows = await db.selectFrom('images').select(['source_object', 'status']).execute();
  const exact = new Map(rows.map((r) => [r.source_object, r.status]));
  const shortened = rows
    .filter((r) => r.source_object.includes('…#'))
    .map((r) => ({ prefix: r.source_object.slice(0, r.source_object.indexOf('…#')), status: r.status }));
  return names.map((name) => ({
    name,
    status:
      exact.get(name) ??
      shortened.find((s) => Buffer.from(name, 'utf8').toString('utf8').startsWith(s.prefix))?.status,
  }));
}

/** Jobs, mosaics and series not final, and failed ones without a reason. */
export async function unfinishedJobs(db: Kysely<Database>): Promise<{ open: number; unexplained: number }> {
  const jobs = [
    ...(await db.selectFrom('jobs').select(['state', 'failure_reason']).execute()),
    ...(await db.selectFrom('mosaics').select(['state', 'failure_reason']).execute()),
    ...(await db.selectFrom('series').select(['state', 'failure_reason']).execute()),
  ];
  return {
    open: jobs.filter((j) => j.state !== 'done' && j.state !== 'failed').length,
    unexplained: jobs.filter((j) => j.state === 'failed' && !j.failure_reason).length,
  };
}

export interface ConvergeOptions {
  /** Give up after this long, ms. @default 180000 */
  timeoutMs?: number;
  /** Ask the sweep function to run this often, ms (Cloud Scheduler's role). @default 5000 */
  sweepEveryMs?: number;
  /** Messages whose delivery the function logs must show (poison messages may leave no row). @default [] */
  messageIds?: readonly string[];
}

/** How a convergence ended: the time it took, or what was still missing at the timeout. */
export type Convergence = { ms: number } | { ms: null; missing: string };

/**
 * Waits until the stack has converged: every upload has a final image row, no job or mosaic is
 * open, every settled dataset and mosaic has its outputs, the function logs show a delivery of
 * each of `messageIds`, and nothing changed for 2 s. Sweeps
 * meanwhile (Cloud Scheduler's role).
 */
export async function converge(
  stack: ChaosStack,
  uploads: readonly string[],
  options: ConvergeOptions = {},
): Promise<Convergence> {
  const { timeoutMs = 180_000, sweepEveryMs = 5000, messageIds = [] } = options;
  const started = Date.now();
  let lastSweep = started;
  let stableSince: number | undefined;
  let last = '';
  let missing = '';
  while (Date.now() - started < timeoutMs) {
    try {
      const [states, jobs, counts, outputs] = await Promise.all([
        uploadStates(stack.db, uploads),
        unfinishedJobs(stack.db),
        rowCounts(stack),
        missingOutputs(stack),
      ]);
      const delivered = stack.delivered();
      const undelivered = messageIds.filter((id) => !delivered.has(id));
      const state = JSON.stringify(counts);
      const lost = states.filter((u) => u.status === undefined || u.status === 'received');
      missing = [
        lost.length > 0
          ? `${lost.length} upload(s) without a final row (${lost
              .slice(0, 3)
              .map((u) => `${u.name}: ${u.status ?? 'no row'}`)
              .join(', ')})`
          : '',
        jobs.open > 0 ? `${jobs.open} job(s), mosaic(s) or series open` : '',
        undelivered.length > 0 ? `${undelivered.length} message(s) never delivered` : '',
        outputs.length > 0
          ? `${outputs.length} settled without outputs (${outputs.slice(0, 3).join(', ')})`
          : '',
      ]
        .filter((m) => m !== '')
        .join(', ');
      if (missing === '') {
        if (state !== last || stableSince === undefined) stableSince = Date.now();
        else if (Date.now() - stableSince >= 2000) return { ms: stableSince - started };
      } else stableSince = undefined;
      last = state;
    } catch (error) {
      missing = `the database did not answer: ${(error as Error).message}`;
      stableSince = undefined;
    }
    if (Date.now() - lastSweep >= sweepEveryMs) {
      lastSweep = Date.now();
      await stack.sweep().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { ms: null, missing };
}
