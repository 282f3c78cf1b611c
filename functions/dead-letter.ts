import { runHandler } from './edge/run-handler.js';
import { decodePubSubCloudEvent } from '../shared/messages/pubsub-cloud-event.js';
import { recordDeadLetter } from '../shared/pipeline/record-dead-letter.js';
import { pipelineDeps } from './deps.js';

/**
 * `deadLetter`: each message of the dead-letter topic recorded (a `dead_letters` row, the job's
 * last error), so dead letters are visible (`metdb dead-letters`) and the sweep's reasons name them.
 */
export const deadLetter = runHandler(
  'deadLetter',
  (event) => {
    const delivery = decodePubSubCloudEvent(event, { json: false });
    let data: unknown = delivery.data;
    try {
      data = JSON.parse(String(delivery.data)) as unknown;
    } catch {
      // not JSON: kept as text
    }
    return { ...delivery, data };
  },
  async (delivery) => {
    const result = await recordDeadLetter(await pipelineDeps(), delivery);
    return {
      kind: result.kind,
      recorded: result.recorded,
      ...(result.jobId === undefined ? {} : { jobId: result.jobId }),
    };
  },
);
