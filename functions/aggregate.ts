import { fromPubSubJson } from './edge/pubsub-parser.js';
import { runHandler } from './edge/run-handler.js';
import { parseAggregateMessage } from '../shared/messages/aggregate-message.js';
import { aggregateJob } from '../shared/pipeline/aggregate-job.js';
import { pipelineDeps } from './deps.js';

/** `aggregate`: a completed job's tile shifts solved into the image's shift, exactly once. */
export const aggregate = runHandler(
  'aggregate',
  fromPubSubJson(parseAggregateMessage),
  async (message) => {
    const result = await aggregateJob(await pipelineDeps(), message);
    return {
      aggregated: result.aggregated,
      state: result.state,
      ...(result.shift === undefined ? {} : { shift: result.shift }),
      ...(result.reason === undefined ? {} : { detail: result.reason }),
    };
  },
  { fieldsOf: (m) => ({ jobId: m.jobId }) },
);
