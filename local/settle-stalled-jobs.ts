import { recordDeadLetter } from '../shared/pipeline/record-dead-letter.js';
import type { PipelineDeps } from '../shared/pipeline/pipeline-deps.js';
import { sweepStalledJobs, type SweptJob } from '../shared/pipeline/sweep-stalled-jobs.js';
import type { WorkerPoolBus } from './worker-pool-bus.js';

/**
 * The local run's sweep, once its bus is idle: the messages the bus dead-lettered since
 * `deadBefore` are recorded (`dead_letters`, the job's last error), then every job still not
 * final is re-driven (`sweepStalledJobs`, nothing is in flight any more) and the bus drained
 * again, until no job is left to re-drive: each ends `done`, or `failed` with its reason after
 * `maxRedrives`. Returns what the sweeps did.
 */
export async function settleStalledJobs(
  deps: PipelineDeps,
  bus: Pick<WorkerPoolBus, 'deadLetters' | 'idle'>,
  deadBefore: number,
  options: { maxRedrives?: number } = {},
): Promise<SweptJob[]> {
  const { maxRedrives = 3 } = options;
  const swept: SweptJob[] = [];
  let seen = deadBefore;
  for (let round = 0; round <= maxRedrives + 1; round++) {
    for (const letter of bus.deadLetters.slice(seen)) {
      await recordDeadLetter(deps, {
        messageId: letter.messageId,
        data: letter.message,
        attributes: {
          CloudPubSubDeadLetterSourceTopic: letter.topic,
          CloudPubSubDeadLetterSourceDeliveryCount: String(letter.attempts),
        },
        error: letter.error.message,
      });
    }
    seen = bus.deadLetters.length;
    const sweptNow = await sweepStalledJobs(deps, { stalledAfterMs: 0, maxRedrives });
    swept.push(...sweptNow);
    if (!sweptNow.some((s) => s.action === 'redriven')) break;
    await bus.idle();
  }
  return swept;
}
