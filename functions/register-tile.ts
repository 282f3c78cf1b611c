import { fromPubSubJson } from './edge/pubsub-parser.js';
import { runHandler } from './edge/run-handler.js';
import { parseTileMessage } from '../shared/messages/tile-message.js';
import { decodedImages } from '../shared/pipeline/decoded-image-cache.js';
import { registerTileFromMessage } from '../shared/pipeline/register-tile-from-message.js';
import { TileWorkspace } from '../shared/tiling/tile-workspace.js';
import { pipelineDeps } from './deps.js';

/** This instance's tile buffers (one tile at a time: concurrency 1). */
const workspace = new TileWorkspace();

/** `registerTile`: one tile message registered and recorded; the job's last tile triggers the aggregation. */
export const registerTile = runHandler(
  'registerTile',
  fromPubSubJson(parseTileMessage),
  async (message) => {
    const result = await registerTileFromMessage(await pipelineDeps(), message, decodedImages, workspace);
    return {
      inserted: result.inserted,
      completedJob: result.completedJob,
      ...(result.skipped === undefined ? {} : { skipped: result.skipped }),
    };
  },
  { fieldsOf: (m) => ({ jobId: m.jobId, tileIndex: m.tileIndex, datasetId: m.datasetId }) },
);
