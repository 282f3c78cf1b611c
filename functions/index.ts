/**
 * The Cloud Functions of Met-db, registered with functions-framework (deploy or serve with
 * `--target=<name> --signature-type=cloudevent`): `ingest`, `registerTile`, `aggregate`, `reprocess`, `publishOutputs`, `sweep` (scheduled), `deadLetter`,
 * `stitchEdge`, `stitchSolve` (mosaics); and `migrate` (HTTP, `--signature-type=http`),
 * run by the deploy workflow.
 */
import { cloudEvent, http } from '@google-cloud/functions-framework';
import { aggregate } from './aggregate.js';
import { deadLetter } from './dead-letter.js';
import { ingest } from './ingest.js';
import { migrate } from './migrate.js';
import { publishOutputs } from './publish-outputs.js';
import { registerTile } from './register-tile.js';
import { reprocess } from './reprocess.js';
import { stitchEdge } from './stitch-edge.js';
import { stitchSolve } from './stitch-solve.js';
import { sweep } from './sweep.js';

cloudEvent('ingest', ingest);
cloudEvent('registerTile', registerTile);
cloudEvent('aggregate', aggregate);
cloudEvent('reprocess', reprocess);
cloudEvent('publishOutputs', publishOutputs);
cloudEvent('sweep', sweep);
cloudEvent('deadLetter', deadLetter);
cloudEvent('stitchEdge', stitchEdge);
cloudEvent('stitchSolve', stitchSolve);
http('migrate', migrate);

export {
  aggregate,
  deadLetter,
  ingest,
  migrate,
  publishOutputs,
  registerTile,
  reprocess,
  stitchEdge,
  stitchSolve,
  sweep,
};
