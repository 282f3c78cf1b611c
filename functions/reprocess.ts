import { fromPubSubJson } from './edge/pubsub-parser.js';
import { runHandler } from './edge/run-handler.js';
import { parseReprocessMessage } from '../shared/messages/reprocess-message.js';
import { reprocessDataset } from '../shared/pipeline/reprocess-dataset.js';
import { pipelineDeps } from './deps.js';

/** `reprocess`: new job versions for a dataset or some images, with new parameters. */
export const reprocess = runHandler(
  'reprocess',
  fromPubSubJson(parseReprocessMessage),
  async (message, context) => {
    const result = await reprocessDataset(await pipelineDeps(), message, context.eventId);
    return { jobIds: result.jobIds, skippedImages: result.skipped.length };
  },
  {
    fieldsOf: (m) => ({
      ...('datasetId' in m ? { datasetId: m.datasetId } : { imageCount: m.imageIds.length }),
      ...(m.requestId === undefined ? {} : { requestId: m.requestId }),
    }),
  },
);
