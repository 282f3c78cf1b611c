/**
 * The recovery commands of issue 20 on a real SQLite file: `metdb dead-letters` lists what the
 * deadLetter function recorded, `metdb sweep` re-drives or fails stalled jobs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { deadLettersCommand } from '../../cli/dead-letters-command.js';
import { sweepCommand } from '../../cli/sweep-command.js';
import { recordDeadLetter } from '../../shared/pipeline/record-dead-letter.js';
import { createDatasetFixture, type PipelineFixture } from '../pipeline/pipeline-fixture.js';

let fixture: PipelineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe('metdb dead-letters and metdb sweep', () => {
  it('lists a dead-lettered tile, then fails its stalled job with the reason and the missing tiles', async () => {
    const f = (fixture = await createDatasetFixture(['frame_00.tif', 'frame_01.tif']));
    const tiles = f.deps.bus.published.filter((p) => p.topic === 'tiles');
    expect(tiles).toHaveLength(9); // published, never delivered: the job stalls at 0 of 9
    await recordDeadLetter(f.deps, {
      messageId: '41',
      data: tiles[3]!.message,
      attributes: {
        CloudPubSubDeadLetterSourceSubscription: 'projects/p/subscriptions/metdb-dev-register-tile-push',
        CloudPubSubDeadLetterSourceDeliveryCount: '5',
      },
    });

    const listed: string[] = [];
    expect(await deadLettersCommand(['--db', f.path], (l) => listed.push(l))).toBe(0);
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatch(
      /\ttile 3 of job \S+\t5 attempts\ttile message dead-lettered after 5 deliveries/,
    );
    expect(listed[1]).toBe('1 dead letter(s)');
    const json: string[] = [];
    expect(await deadLettersCommand(['--db', f.path, '--json'], (l) => json.push(l))).toBe(0);
    expect((JSON.parse(json[0]!) as { payload: unknown }[])[0]!.payload).toEqual(tiles[3]!.message);

    process.env.METDB_RESULTS_BUCKET ??= 'lab';
    const swept: string[] = [];
    const args = ['--db', f.path, '--stalled-after', '0', '--max-redrives', '0'];
    expect(await sweepCommand(args, (l) => swept.push(l))).toBe(0);
    expect(swept).toHaveLength(2);
    expect(swept[0]).toMatch(
      /^failed\t\S+\trunning missing tiles 0,1,2,3,4,5,6,7,8\tstalled running: .*last error: tile 3 dead-lettered/,
    );
    expect(swept[1]).toBe('swept 1 stalled job(s)');
    const [job] = await f.deps.db.selectFrom('jobs').selectAll().execute();
    expect(job).toMatchObject({ state: 'failed' });
    await expect(sweepCommand(['--stalled-after', '-1'], () => undefined)).rejects.toThrow(/--stalled-after/);
  });
});
