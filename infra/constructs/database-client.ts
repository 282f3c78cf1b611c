import type { Construct } from 'constructs';
import { SqlUser } from '@cdktf/provider-google/lib/sql-user/index.js';
import type { MetdbInfraConfig } from '../config.js';
import type { CloudSqlDatabase } from './cloud-sql-database.js';
import type { ProjectRole } from './service-identity.js';

/**
 * The project roles of a service account that connects to Met-db's Cloud SQL instance as its IAM
 * user: client and instance user on that instance only, and writing logs.
 */
export function databaseClientRoles(config: MetdbInfraConfig): ProjectRole[] {
  const { project, namePrefix } = config;
  const instanceName = `projects/${project}/instances/${namePrefix}-mysql`;
  const onInstance = {
    title: 'metdb-instance-only',
    expression: `resource.type == "sqladmin.googleapis.com/Instance" && resource.name == "${instanceName}"`,
  };
  return [
    { role: 'roles/cloudsql.client', condition: onInstance },
    { role: 'roles/cloudsql.instanceUser', condition: onInstance },
    { role: 'roles/logging.logWriter' },
  ];
}

/** The MySQL user of service account `accountId`: its email without `.gserviceaccount.com`. */
export function iamDatabaseUser(
  scope: Construct,
  id: string,
  props: {
    readonly config: MetdbInfraConfig;
    readonly database: CloudSqlDatabase;
    readonly accountId: string;
  },
): SqlUser {
  const { project } = props.config;
  return new SqlUser(scope, id, {
    project,
    instance: props.database.instance.name,
    name: `${props.accountId}@${project}.iam`,
    type: 'CLOUD_IAM_SERVICE_ACCOUNT',
  });
}
