import type { Kysely } from 'kysely';
import type { Database } from '../../shared/records/database-schema.js';
import type { ChaosStack } from './chaos-stack.js';

/** Row counts of the tables a scenario may touch. */
export interface RowCounts {
  images: number;
  jobs: number;
  tiles: number;
  registrations: number;
  deadLetters: number;
}

export async function rowCounts(db: Kysely<Database>): Promise<RowCounts> {
  const count = async (table: 'images' | 'jobs' | 'tile_results' | 'registrations' | 'dead_letters') =>
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
  };
}

/**
 * Rows that exist twice for one thing: usable images with the same bytes in a dataset, jobs with
 * the same pair and version, registrations of one job, tile results of one tile.
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
  return (
    extra(images.filter((i) => i.content_hash !== null).map((i) => `${i.dataset_id}/${i.content_hash}`)) +
    extra(jobs.map((j) => `${j.reference_image_id}/${j.moving_image_id}/${j.version}`)) +
    extra(registrations.map((r) => r.job_id)) +
    extra(tiles.map((t) => `${t.job_id}/${t.tile_index}`))
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

/** Jobs and mosaics not final, and failed ones without a reason. */
export async function unfinishedJobs(db: Kysely<Database>): Promise<{ open: number; unexplained: number }> {
  const jobs = [
    ...(await db.selectFrom('jobs').select(['state', 'failure_reason']).execute()),
    ...(await db.selectFrom('mosaics').select(['state', 'failure_reason']).execute()),
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
 * Waits until the stack has converged: every upload has a final image row, no job is open, the
 * function logs show a delivery of each of `messageIds`, and nothing changed for 2 s. Sweeps
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
      const [states, jobs, counts] = await Promise.all([
        uploadStates(stack.db, uploads),
        unfinishedJobs(stack.db),
        rowCounts(stack.db),
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
        jobs.open > 0 ? `${jobs.open} job(s) open` : '',
        undelivered.length > 0 ? `${undelivered.length} message(s) never delivered` : '',
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
