/** A local run ends with every job final: its dead letters recorded, lost tiles re-driven (issue 20). */
import { afterEach, describe, expect, it } from 'vitest';
import { settleStalledJobs } from '../../local/settle-stalled-jobs.js';
import type { DeadLetter } from '../../local/worker-pool-bus.js';
import { listDeadLetters } from '../../shared/records/dead-letters-repository.js';
import { allRows } from '../integration/pipeline-harness.js';
import { createDatasetFixture, type PipelineFixture } from '../pipeline/pipeline-fixture.js';

let fixture: PipelineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe('settleStalledJobs (the local sweep)', () => {
  it('records what the bus dead-lettered and re-drives the job until it is done', async () => {
    const f = (fixture = await createDatasetFixture(['frame_00.tif', 'frame_01.tif']));
    // The bus gave up on tile 4 (its worker died five times).
    const index = f.deps.bus.published.findIndex(
      (p) => (p.message as { tileIndex?: number }).tileIndex === 4,
    );
    const [lost] = f.deps.bus.published.splice(index, 1);
    await f.drain();
    const deadLetters: DeadLetter[] = [
      {
        topic: 'tiles',
        messageId: 'local-7',
        message: lost!.message,
        attempts: 5,
        error: { message: 'worker exited with code 137', kind: 'transient' },
      },
    ];
    const swept = await settleStalledJobs(
      f.deps,
      { deadLetters, idle: () => f.drain().then(() => undefined) },
      0,
    );
    expect(swept.filter((s) => s.action === 'redriven')).toEqual([
      expect.objectContaining({ missingTiles: [4], published: 1 }),
    ]);
    expect((await allRows(f.deps.db)).jobs.map((j) => j.state)).toEqual(['done']);
    const [letter] = await listDeadLetters(f.deps.db);
    expect(letter).toMatchObject({ kind: 'tile', tile_index: 4, delivery_attempts: 5 });
    expect(letter!.reason).toMatch(/after 5 deliveries; last error: worker exited with code 137/);
  });
});
