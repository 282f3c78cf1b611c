/**
 * A `LocalRunner` kept from one `runFolder` to the next (what `metdb watch` does): the second run
 * uses the same workers and connection, registers only its new files, and reports only its own
 * tiles; one run at a time.
 */
import { dirname } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalRunner } from '../../local/local-runner.js';
import { runFolder } from '../../local/run-folder.js';
import { copyDemoSeries, truth } from './demo-series-copy.js';

const folder = copyDemoSeries(['frame_00.tif', 'frame_03.tif', 'frame_06.tif']);
afterAll(() => rmSync(dirname(folder), { recursive: true, force: true }));

describe('LocalRunner', () => {
  it('serves run after run with the same workers and connection', async () => {
    const runner = await LocalRunner.open(folder, { workers: 2, cwd: dirname(folder) });
    try {
      const first = await runFolder(folder, { runner, files: ['frame_00.tif', 'frame_03.tif'] });
      expect(first.registered).toBe(2);
      const workersAfterFirst = runner.bus.startedWorkers;
      expect(workersAfterFirst).toBe(2);
      const second = await runFolder(folder, { runner, files: ['frame_06.tif'] });
      // The runner is still open: the second run used it, and so did nothing twice.
      expect(runner.bus.startedWorkers).toBe(workersAfterFirst);
      expect(second.files.map((f) => f.outcome)).toEqual(['ingested']);
      expect(second.tiles).toBe(first.tiles);
      expect(second.deadLetters).toEqual([]);
      const frame6 = second.results.find((r) => r.file === 'frame_06.tif')!;
      const expected = truth.frames.find((f) => f.file === 'frame_06.tif')!.shift;
      frame6.shift!.forEach((s, a) => expect(Math.abs(s - expected[a]!)).toBeLessThan(0.05));
      expect(second.registered).toBe(3);
      // One run at a time.
      await expect(
        runner.session({ deps: undefined as never, onPublished: () => {}, onSettled: () => {} }, () =>
          runner.session({ deps: undefined as never, onPublished: () => {}, onSettled: () => {} }, () =>
            Promise.resolve(),
          ),
        ),
      ).rejects.toMatchObject({ code: 'conflict' });
    } finally {
      await runner.close();
    }
  }, 120_000);
});
