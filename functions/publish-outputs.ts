import { fromPubSubJson } from './edge/pubsub-parser.js';
import { runHandler } from './edge/run-handler.js';
import { parseOutputsMessage } from '../shared/messages/outputs-message.js';
import { publishOutputs as publishDatasetOutputs } from '../shared/pipeline/publish-outputs.js';
import { pipelineDeps } from './deps.js';

/**
 * `publishOutputs`: a settled job's dataset gets its outputs (shift table, registered images,
 * report...) written to the results bucket under `outputs/<datasetId>/v<version>/r<revision>/`, once
 * none of its jobs is in progress. The only function allowed to create objects under `outputs/`.
 */
export const publishOutputs = runHandler(
  'publishOutputs',
  fromPubSubJson(parseOutputsMessage),
  async (message) => {
    const result = await publishDatasetOutputs(await pipelineDeps(), message.datasetId);
    return {
      published: result.published,
      ...(result.prefix === undefined ? {} : { prefix: result.prefix }),
      ...(result.alreadyWritten === true ? { alreadyWritten: true } : {}),
      ...(result.reason === undefined ? {} : { detail: result.reason }),
    };
  },
  { fieldsOf: (m) => ({ datasetId: m.datasetId, jobId: m.jobId }) },
);
