import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import type { MetdbInfraConfig } from '../config.js';

/**
 * The three buckets, all private: uniform bucket-level access (no object ACLs) and public access
 * prevention enforced, so no IAM binding or ACL can ever make an object public.
 * - `uploads`: where a lab drops files (`<dataset>/...`) and where `ingest` writes canonical
 *   objects (`datasets/<datasetId>/images/<imageId>.<ext>`). Versioned: an overwritten or deleted
 *   upload stays recoverable for `uploadNoncurrentDeleteDays` days, then its old version goes.
 * - `results`: registered images, stacks, QC reports; moved to Nearline after
 *   `resultsNearlineAfterDays` days (read rarely once a dataset is done).
 * - `sources`: the functions' source archives, read by Cloud Build only; force-destroyable only
 *   where the others are (dev): in prod, `destroy` must not silently take the deployed sources.
 */
export class StorageBuckets extends Construct {
  readonly uploads: StorageBucket;
  readonly results: StorageBucket;
  readonly sources: StorageBucket;

  constructor(scope: Construct, id: string, config: MetdbInfraConfig, dependsOn: ITerraformDependable[]) {
    super(scope, id);
    const { project, namePrefix, labels, buckets } = config;
    const common = {
      project,
      location: buckets.location,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      forceDestroy: buckets.forceDestroy,
      labels: { ...labels },
      dependsOn,
    };
    // Bucket names are global: the project id keeps them unique across labs, the prefix across
    // deployments in one project (dropped when the project id already starts with it).
    const base = project.startsWith(namePrefix) ? project : `${project}-${namePrefix}`;
    this.uploads = new StorageBucket(this, 'uploads', {
      ...common,
      name: `${base}-uploads`,
      versioning: { enabled: true },
      lifecycleRule: [
        {
          action: { type: 'Delete' },
          condition: { withState: 'ARCHIVED', daysSinceNoncurrentTime: buckets.uploadNoncurrentDeleteDays },
        },
        // Interrupted resumable uploads of large stacks must not accumulate.
        { action: { type: 'AbortIncompleteMultipartUpload' }, condition: { age: 1 } },
      ],
    });
    this.results = new StorageBucket(this, 'results', {
      ...common,
      name: `${base}-results`,
      lifecycleRule: [
        {
          action: { type: 'SetStorageClass', storageClass: 'NEARLINE' },
          condition: { age: buckets.resultsNearlineAfterDays, matchesStorageClass: ['STANDARD'] },
        },
      ],
    });
    this.sources = new StorageBucket(this, 'sources', {
      ...common,
      name: `${base}-sources`,
    });
  }
}
