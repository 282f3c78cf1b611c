import { fromPubSubJson } from './edge/pubsub-parser.js';
import { runHandler } from './edge/run-handler.js';
import { parseAggregateMessage } from '../shared/messages/aggregate-message.js';
import { aggregateAndAnnounce } from '../shared/pipeline/aggregate-and-announce.js';
import { pipelineDeps } from './deps.js';

/**
 * `aggregate`: a completed job's tile shifts solved into the image's shift, exactly once; the
 * settled job announced on the outputs topic (when the deployment has one).
 */
export const aggregate = runHandler(
  'aggregate',
  fromPubSubJson(parseAggregateMessage),
  async (message) => {
    const result = await aggregateAndAnnounce(await pipelineDeps(), message);
    return {
      aggregated: result.aggregated,
      state: result.state,
      ...(result.shift === undefined ? {} : { shift: result.shift }),
      ...(result.reason === undefined ? {} : { detail: result.reason }),
      ...(result.announced === undefined ? {} : { announced: result.announced }),
    };
  },
  { fieldsOf: (m) => ({ jobId: m.jobId }) },
);
