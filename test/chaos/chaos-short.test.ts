/**
 * The short chaos suite (`npm run chaos -- --quick --db sqlite`): on the emulator stack, the
 * functions served by functions-framework over HTTP from dist/ and SQLite, every message
 * delivered twice, registerTile killed with SIGKILL mid-run and restarted, poison messages on every
 * topic, and 34 hostile uploads. Each must converge: every job `done` or `failed` with a reason,
 * no duplicate row, no lost upload. The whole suite (both databases, outages, a 1000-tile load) is
 * `npm run chaos`; docs/reliability.md has its table.
 */
import { describe, expect, it } from 'vitest';
import { chaosTable, runChaos } from '../../scripts/chaos/run-chaos.js';

describe('chaos, short', () => {
  it('duplicates, a killed registerTile, poison on every topic and bad inputs all converge', async () => {
    const rows = await runChaos({ databases: ['sqlite'], quick: true, timeoutMs: 240_000 });
    console.log(chaosTable(rows));
    expect(rows.map((r) => r.scenario)).toEqual([
      'duplicates 2x',
      'registerTile killed',
      'poison messages',
      'bad inputs',
    ]);
    for (const row of rows) {
      expect(row.problems, row.scenario).toEqual([]);
      expect(row.convergeMs, row.scenario).not.toBeNull();
      expect(row.jobs.open, row.scenario).toBe(0);
      expect(row.jobs.unexplained, row.scenario).toBe(0);
      expect(row.duplicateRows, row.scenario).toBe(0);
      expect(row.lostUploads, row.scenario).toBe(0);
    }
    // Work happened: the jobs of the series registered, every bad input left an image row.
    const last = rows.at(-1)!;
    expect(last.after.registrations).toBeGreaterThan(0);
    expect(last.after.images - last.before.images).toBe(35);
    expect(rows[1]!.after.tiles).toBeGreaterThan(rows[1]!.before.tiles);
  }, 900_000);
});
