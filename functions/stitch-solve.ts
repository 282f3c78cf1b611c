import { fromPubSubJson } from './edge/pubsub-parser.js';
import { runHandler } from './edge/run-handler.js';
import { parseMosaicMessage } from '../shared/messages/mosaic-message.js';
import { solveStitching } from '../shared/pipeline/solve-stitching.js';
import { pipelineDeps } from './deps.js';

/** `stitchSolve`: a mosaic whose edges are all in, solved into positions and outputs, exactly once. */
export const stitchSolve = runHandler(
  'stitchSolve',
  fromPubSubJson(parseMosaicMessage),
  async (message) => {
    const result = await solveStitching(await pipelineDeps(), message);
    return {
      solved: result.solved,
      state: result.state,
      ...(result.prefix === undefined ? {} : { prefix: result.prefix }),
      ...(result.acceptedEdges === undefined ? {} : { acceptedEdges: result.acceptedEdges }),
      ...(result.stageTiles === undefined ? {} : { stageTiles: result.stageTiles }),
      ...(result.reason === undefined ? {} : { detail: result.reason }),
    };
  },
  { fieldsOf: (m) => ({ mosaicId: m.mosaicId }) },
);
