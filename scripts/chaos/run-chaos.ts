import { randomUUID } from 'node:crypto';
import { converge, duplicateRows, lostUploads, rowCounts, type RowCounts } from './chaos-measure.js';
import { CHAOS_SCENARIOS, type ChaosScenario, type ScenarioRun } from './chaos-scenarios.js';
import { startChaosStack, type ChaosStack, type SweepTotals } from './chaos-stack.js';
import { startOwnMariadb, type OwnMariadb } from './own-mariadb.js';

export interface RunChaosOptions {
  /** @default ['sqlite', 'mariadb'] */
  databases?: readonly ('sqlite' | 'mariadb')[];
  /** Only the scenarios marked quick, with shorter faults. @default false */
  quick?: boolean;
  /** Only scenarios whose name contains one of these. @default all */
  only?: readonly string[];
  /** Give up on a scenario's convergence after this long, ms. @default 300000 */
  timeoutMs?: number;
  /** Called with each row as it is measured (progress). */
  onRow?: (row: ChaosRow) => void;
}

export interface ChaosRow {
  readonly scenario: string;
  readonly database: string;
  readonly before: RowCounts;
  readonly after: RowCounts;
  /** Jobs and mosaics, all of the run. */
  readonly jobs: { done: number; failed: number; open: number; unexplained: number };
  readonly duplicateRows: number;
  readonly lostUploads: number;
  /** From the end of the fault until every job was final and every upload had its row, ms; null: did not converge. */
  readonly convergeMs: number | null;
  readonly problems: readonly string[];
  /** Why the jobs and mosaics that failed during the scenario failed, with how many: `reason (n)`. */
  readonly failures: readonly string[];
  readonly note: string;
}

/**
 * Runs the chaos scenarios on each database (SQLite; MariaDB: a server of the suite's own, so
 * the outage scenarios can kill it), one stack per database, scenarios one after another.
 */
export async function runChaos(options: RunChaosOptions = {}): Promise<ChaosRow[]> {
  const { databases = ['sqlite', 'mariadb'], quick = false, only, timeoutMs = 300_000 } = options;
  const scenarios = CHAOS_SCENARIOS.filter(
    (s) => (!quick || s.quick === true) && (only === undefined || only.some((o) => s.name.includes(o))),
  );
  const rows: ChaosRow[] = [];
  for (const database of databases) {
    let mariadb: OwnMariadb | undefined;
    let stack: ChaosStack | undefined;
    try {
      if (database === 'mariadb') mariadb = await startOwnMariadb();
      stack = await startChaosStack({ database: mariadb?.url ?? 'sqlite' });
      for (const scenario of scenarios) {
        if (scenario.needsOwnMariadb === true && mariadb === undefined) continue;
        const row = await runScenario(stack, mariadb, scenario, quick, timeoutMs);
        rows.push(row);
        options.onRow?.(row);
      }
    } finally {
      await stack?.stop();
      await mariadb?.stop();
    }
  }
  return rows;
}

async function runScenario(
  stack: ChaosStack,
  mariadb: OwnMariadb | undefined,
  scenario: ChaosScenario,
  quick: boolean,
  timeoutMs: number,
): Promise<ChaosRow> {
  const before = await rowCounts(stack);
  const finals = async () => [
    ...(await stack.db.selectFrom('jobs').select(['id', 'state', 'failure_reason']).execute()),
    ...(await stack.db.selectFrom('mosaics').select(['id', 'state', 'failure_reason']).execute()),
  ];
  const failedBefore = new Set((await finals()).filter((j) => j.state === 'failed').map((j) => j.id));
  const sweptBefore = stack.swept();
  const tag = randomUUID().slice(0, 8);
  let run: ScenarioRun;
  try {
    run = await scenario.run({ stack, mariadb, tag, quick });
  } catch (error) {
    run = { uploads: [], note: '', problems: [`scenario failed: ${(error as Error).message}`] };
  }
  const converged = await converge(stack, run.uploads, {
    timeoutMs,
    ...(run.messageIds === undefined ? {} : { messageIds: run.messageIds }),
  });
  const problems = [...(run.problems ?? [])];
  if (converged.ms === null) problems.push(`not converged: ${converged.missing}`);
  else if (run.verify !== undefined) problems.push(...(await run.verify()));
  const jobs = await finals();
  const reasons = new Map<string, number>();
  for (const j of jobs) {
    if (j.state !== 'failed' || failedBefore.has(j.id)) continue;
    // The reason without the ids and numbers that make each one unique.
    const reason = (j.failure_reason ?? 'no reason')
      .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>')
      .slice(0, 120);
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  return {
    scenario: scenario.name,
    database: stack.databaseLabel,
    before,
    after: await rowCounts(stack),
    jobs: {
      done: jobs.filter((j) => j.state === 'done').length,
      failed: jobs.filter((j) => j.state === 'failed').length,
      open: jobs.filter((j) => j.state !== 'done' && j.state !== 'failed').length,
      unexplained: jobs.filter((j) => j.state === 'failed' && !j.failure_reason).length,
    },
    duplicateRows: await duplicateRows(stack.db),
    lostUploads: (await lostUploads(stack.db, run.uploads)).length,
    convergeMs: converged.ms,
    problems,
    failures: [...reasons].map(([reason, n]) => `${reason} (${n})`),
    note: run.note + sweepNote(sweptBefore, stack.swept()),
  };
}

/** What the sweep had to do during the scenario (nothing: empty). */
function sweepNote(before: SweepTotals, after: SweepTotals): string {
  const did = [
    [after.uploads - before.uploads, 'upload(s) ingested again'],
    [after.outputs - before.outputs, "dataset(s)' outputs announced again"],
    [after.redriven - before.redriven, 'job re-drive(s)'],
    [after.failed - before.failed, 'job(s) failed as stalled'],
    [after.mosaicsRedriven - before.mosaicsRedriven, 'mosaic re-drive(s)'],
    [after.mosaicsFailed - before.mosaicsFailed, 'mosaic(s) failed as stalled'],
  ] as const;
  const parts = did.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return parts.length === 0 ? '' : `; the sweep: ${parts.join(', ')}`;
}

/** Whether a row meets the goal: converged, every job final with a reason, no duplicate, nothing lost. */
export function rowHolds(row: ChaosRow): boolean {
  return (
    row.convergeMs !== null &&
    row.jobs.open === 0 &&
    row.jobs.unexplained === 0 &&
    row.duplicateRows === 0 &&
    row.lostUploads === 0 &&
    row.problems.length === 0
  );
}

/** The table `npm run chaos` prints (Markdown, so docs/reliability.md can hold it as is). */
export function chaosTable(rows: readonly ChaosRow[]): string {
  const counts = (c: RowCounts) =>
    `${c.images}/${c.jobs}/${c.tiles}/${c.registrations}/${c.deadLetters}/${c.mosaics}/${c.mosaicItems}/${c.outputFiles}`;
  const lines = [
    '| scenario | database | rows before | rows after | jobs and mosaics done / failed / open | duplicate rows | lost uploads | converged in | holds | what was done |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.scenario} | ${r.database} | ${counts(r.before)} | ${counts(r.after)} | ` +
        `${r.jobs.done} / ${r.jobs.failed} / ${r.jobs.open} | ${r.duplicateRows} | ${r.lostUploads} | ` +
        `${r.convergeMs === null ? 'no' : `${(r.convergeMs / 1000).toFixed(1)} s`} | ` +
        `${rowHolds(r) ? 'yes' : `NO${r.problems.length > 0 ? `: ${r.problems.join('; ')}` : ''}`} | ${r.note} |`,
    );
  }
  lines.push(
    '',
    'rows: images/jobs/tile results/registrations/dead letters/mosaics/mosaic items/output files (cumulative over the run)',
  );
  const failures = rows.filter((r) => r.failures.length > 0);
  if (failures.length > 0) {
    lines.push('', 'Jobs that failed, and why:');
    for (const r of failures) lines.push(`- ${r.scenario} (${r.database}): ${r.failures.join('; ')}`);
  }
  return lines.join('\n');
}
