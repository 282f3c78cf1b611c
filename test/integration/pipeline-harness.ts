import type { Kysely } from 'kysely';
import type { Database } from '../../shared/records/database-schema.js';

/** Polls `probe` every 200 ms until it returns a value, or fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every row of every table, in a stable order (for before/after comparisons). */
export async function allRows(db: Kysely<Database>) {
  return {
    datasets: await db.selectFrom('datasets').selectAll().orderBy('id').execute(),
    images: await db.selectFrom('images').selectAll().orderBy('id').execute(),
    jobs: await db.selectFrom('jobs').selectAll().orderBy('id').execute(),
    tileResults: await db
      .selectFrom('tile_results')
      .selectAll()
      .orderBy('job_id')
      .orderBy('tile_index')
      .execute(),
    registrations: await db.selectFrom('registrations').selectAll().orderBy('job_id').execute(),
    processedEvents: await db.selectFrom('processed_events').selectAll().orderBy('idempotency_key').execute(),
  };
}

/** The one-per-delivery log lines (`runHandler`) of `component` in a function server's output. */
export function deliveryLines(output: string, component: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const text of output.split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      const line = JSON.parse(text) as Record<string, unknown>;
      if (line.component === component && typeof line.outcome === 'string') lines.push(line);
    } catch {
      // not a log line
    }
  }
  return lines;
}

export { pullAll } from '../../scripts/dev-cloud/pubsub-topology.js';
