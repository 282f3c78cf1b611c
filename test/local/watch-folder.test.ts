import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../local/run-folder.js';
import { watchFolder } from '../../local/watch-folder.js';
import { copyDemoSeries, SERIES, truth } from './demo-series-copy.js';

const folder = copyDemoSeries([]);
afterAll(() => rmSync(dirname(folder), { recursive: true, force: true }));

describe('watchFolder', () => {
  it('processes files dropped into the folder as they arrive, until aborted', async () => {
    const controller = new AbortController();
    const batches: string[][] = [];
    let registered: (summary: RunSummary) => void = () => undefined;
    const done = new Promise<RunSummary>((resolve) => (registered = resolve));
    const errors: unknown[] = [];
    const watching = watchFolder(
      folder,
      {
        workers: 1,
        cwd: dirname(folder),
        debounceMs: 100,
        stableMs: 100,
        average: false,
        registeredImages: false,
        onBatch: (files, summary) => {
          batches.push([...files]);
          if (summary.results.some((r) => r.file === 'frame_04.tif' && r.role === 'registered'))
            registered(summary);
        },
        onError: (error) => errors.push(error),
      },
      controller.signal,
    );
    copyFileSync(join(SERIES, 'frame_04.tif'), join(folder, 'frame_04.tif'));
    await new Promise((r) => setTimeout(r, 600));
    copyFileSync(join(SERIES, 'frame_00.tif'), join(folder, 'frame_00.tif'));
    const summary = await done;
    controller.abort();
    await watching;
    expect(errors).toEqual([]);
    expect(batches.flat().sort()).toEqual(['frame_00.tif', 'frame_04.tif']);
    // The outputs went to <cwd>/.metdb/series, outside the watched folder.
    expect(summary.out).toBe(join(dirname(folder), '.metdb', 'series'));
    expect(readdirSync(folder).sort()).toEqual(['frame_00.tif', 'frame_04.tif', 'metdb.json']);
    const r = summary.results.find((x) => x.file === 'frame_04.tif')!;
    const expected = truth.frames.find((f) => f.file === 'frame_04.tif')!.shift;
    r.shift!.forEach((s, a) => expect(Math.abs(s - expected[a]!)).toBeLessThan(0.05));
  }, 60_000);
});
