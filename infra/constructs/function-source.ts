import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Construct } from 'constructs';
import { AssetType, TerraformAsset } from 'cdktf';
import { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object/index.js';
import type { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import type { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import { MetdbError } from '../../shared/errors/metdb-error.js';

/** The file every staged source must hold: the functions' compiled entry point. */
export const FUNCTIONS_ENTRY = 'dist/functions/index.js';

/**
 * The functions' source archive: the directory staged by `npm run stage:functions` (compiled
 * `dist/`, a production `package.json` whose `main` is `dist/functions/index.js`, the lock file),
 * zipped at synth time and uploaded under its content hash, so a code change gives a new object
 * name and Terraform redeploys the four functions, and an unchanged build redeploys nothing.
 */
export class FunctionSource extends Construct {
  readonly object: StorageBucketObject;
  readonly assetHash: string;

  constructor(
    scope: Construct,
    id: string,
    props: { readonly directory: string; readonly bucket: StorageBucket },
  ) {
    super(scope, id);
    const directory = resolve(props.directory);
    if (!existsSync(join(directory, 'package.json')) || !existsSync(join(directory, FUNCTIONS_ENTRY))) {
      throw new MetdbError(
        'not-found',
        `functions source '${directory}' is not staged (no package.json or ${FUNCTIONS_ENTRY}): ` +
          'run `npm run build && npm run stage:functions` first',
        { details: { directory } },
      );
    }
    const asset = new TerraformAsset(this, 'archive', { path: directory, type: AssetType.ARCHIVE });
    this.assetHash = asset.assetHash;
    this.object = new StorageBucketObject(this, 'object', {
      bucket: props.bucket.name,
      name: `functions/${asset.assetHash}.zip`,
      source: asset.path,
      contentType: 'application/zip',
    });
  }
}

/** The build of a gen2 function from the staged source: Node.js 22, `entryPoint`, as `buildAccount`. */
export function nodeBuild(source: FunctionSource, buildAccount: ServiceAccount, entryPoint: string) {
  return {
    runtime: 'nodejs22',
    entryPoint,
    serviceAccount: buildAccount.id,
    source: { storageSource: { bucket: source.object.bucket, object: source.object.name } },
  };
}
