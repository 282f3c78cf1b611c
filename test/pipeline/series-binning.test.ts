/**
 * Time binning and interpolation through the pipeline (issue 16): `binFrames` sums frames into
 * time bins before registering (the job's units are pairs of bins x tiles), the bins' positions
 * are interpolated onto every frame (`interpolation`), and every frame gets a row.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { driftSeries } from '../series/drift-series.js';
import { createPipelineFixture, type PipelineFixture } from './pipeline-fixture.js';

const FRAMES = 24;
const SIZE = 128;

let fixture: PipelineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe('a series registered in time bins', () => {
  for (const interpolation of ['linear', 'cubic'] as const) {
    it(`binFrames 3, ${interpolation}: 8 bins, 28 pairs, every frame near the known drift`, async () => {
      const f = (fixture = await createPipelineFixture());
      const s = await driftSeries({ frames: FRAMES, size: SIZE, noise: 0.03, amplitude: 2 });
      await f.deps.blobs.put('ts/metdb.json', Buffer.from(JSON.stringify({ binFrames: 3, interpolation })));
      await f.upload(
        'ts/stack.tif',
        encodeTiff(s.stack, { description: JSON.stringify({ shape: s.stack.shape }) }),
      );
      await f.drain();
      const job = await f.deps.db
        .selectFrom('jobs')
        .select(['state', 'tiles_total'])
        .executeTakeFirstOrThrow();
      expect(job).toEqual({ state: 'done', tiles_total: 28 });
      const series = await f.deps.db.selectFrom('series').selectAll().executeTakeFirstOrThrow();
      expect(JSON.parse(series.trajectory!)).toMatchObject({ binFrames: 3, pairs: 28, interpolation });
      const frames = await f.deps.db
        .selectFrom('series_frames')
        .select(['frame_index', 'drift_y', 'drift_x'])
        .where('series_id', '=', series.id)
        .orderBy('frame_index')
        .execute();
      expect(frames.map((r) => r.frame_index)).toEqual([...Array(FRAMES).keys()]);
      const errors = frames.map((r, k) =>
        Math.hypot(r.drift_y - s.drift[k]![0]!, r.drift_x - s.drift[k]![1]!),
      );
      // A bin is the sum of its frames: its position is their mean, placed at the bin's centre
      // (about 0.1 px off here, where the drift moves 0.1-0.3 px a frame).
      expect(Math.max(...errors)).toBeLessThan(0.2);
    });
  }
});
