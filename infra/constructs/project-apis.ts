import { Construct } from 'constructs';
import { ProjectService } from '@cdktf/provider-google/lib/project-service/index.js';

/** Google APIs the deployment uses. `serviceusage` and `cloudresourcemanager` must be on already. */
export const REQUIRED_APIS: readonly string[] = [
  'artifactregistry.googleapis.com',
  'cloudbuild.googleapis.com',
  'cloudfunctions.googleapis.com',
  'cloudscheduler.googleapis.com',
  'compute.googleapis.com',
  'iam.googleapis.com',
  'logging.googleapis.com',
  'pubsub.googleapis.com',
  'run.googleapis.com',
  'servicenetworking.googleapis.com',
  'sqladmin.googleapis.com',
  'storage.googleapis.com',
  'vpcaccess.googleapis.com',
];

/**
 * Enables the APIs. `disableOnDestroy` is off: tearing Met-db down must not switch off APIs that
 * other workloads in the same project may use.
 */
export class ProjectApis extends Construct {
  readonly services: readonly ProjectService[];

  constructor(scope: Construct, id: string, project: string) {
    super(scope, id);
    this.services = REQUIRED_APIS.map(
      (api) =>
        new ProjectService(this, api.split('.')[0] ?? api, {
          project,
          service: api,
          disableOnDestroy: false,
          disableDependentServices: false,
        }),
    );
  }
}
