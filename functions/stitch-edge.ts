import { fromPubSubJson } from './edge/pubsub-parser.js';
import { runHandler } from './edge/run-handler.js';
import { parseEdgeMessage } from '../shared/messages/edge-message.js';
import { registerEdgeFromMessage } from '../shared/pipeline/register-edge-from-message.js';
import { pipelineDeps } from './deps.js';

/** `stitchEdge`: one edge (or null pair) of a mosaic measured and recorded; the last one triggers the solve. */
export const stitchEdge = runHandler(
  'stitchEdge',
  fromPubSubJson(parseEdgeMessage),
  async (message) => {
    const result = await registerEdgeFromMessage(await pipelineDeps(), message);
    return {
      inserted: result.inserted,
      completedMosaic: result.completedMosaic,
      ...(Number.isFinite(result.ncc) ? { ncc: result.ncc } : {}),
      ...(result.unmeasured === undefined ? {} : { detail: result.unmeasured }),
    };
  },
  { fieldsOf: (m) => ({ mosaicId: m.mosaicId, itemIndex: m.itemIndex, kind: m.kind }) },
);
