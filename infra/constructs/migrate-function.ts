import { MIGRATE_POOL_SIZE } from '../connection-budget.js';
import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function/index.js';
import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member/index.js';
import type { SqlUser } from '@cdktf/provider-google/lib/sql-user/index.js';
import type { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import type { MetdbInfraConfig } from '../config.js';
import type { CloudSqlDatabase } from './cloud-sql-database.js';
import { nodeBuild, type FunctionSource } from './function-source.js';
import { databaseClientRoles, iamDatabaseUser } from './database-client.js';
import type { PrivateNetwork } from './private-network.js';
import { ServiceIdentity } from './service-identity.js';

export interface MigrateFunctionProps {
  readonly config: MetdbInfraConfig;
  readonly source: FunctionSource;
  readonly buildAccount: ServiceAccount;
  readonly database: CloudSqlDatabase;
  readonly network: PrivateNetwork;
  /** The pipeline functions' MySQL users: granted DML (and nothing else) after each migration. */
  readonly functionDbUsers: readonly string[];
  /** `serviceAccount:...` of the deployer: the only one allowed to invoke the function. */
  readonly invoker: string;
  readonly dependsOn: ITerraformDependable[];
}

/**
 * The migrator: the only identity whose database user may change the schema. An HTTP function
 * (`migrate`, functions/migrate.ts) the deploy workflow calls after `terraform apply`, inside the
 * VPC like the others (the database has no public IP, so CI cannot reach it directly); only the
 * deployer may invoke it. Its MySQL user needs `ALL ON <db>.* WITH GRANT OPTION`, granted once
 * (docs/deploy.md); the pipeline functions' users get only SELECT, INSERT, UPDATE, DELETE from it.
 */
export class MigrateFunction extends Construct {
  readonly function: Cloudfunctions2Function;
  readonly dbUser: SqlUser;

  constructor(scope: Construct, id: string, props: MigrateFunctionProps) {
    super(scope, id);
    const { config, database } = props;
    const { project, region, namePrefix, labels } = config;
    const accountId = `${namePrefix}-migrator`;
    const identity = new ServiceIdentity(this, 'identity', {
      project,
      accountId,
      displayName: 'Met-db migrator (schema changes from CI)',
      projectRoles: databaseClientRoles(config),
      dependsOn: props.dependsOn,
    });
    this.dbUser = iamDatabaseUser(this, 'db-user', { config, database, accountId });
    this.function = new Cloudfunctions2Function(this, 'function', {
      project,
      location: region,
      name: `${namePrefix}-migrate`,
      description: 'Applies the database migrations as the migrator (called by the deploy workflow)',
      labels: { ...labels, function: 'migrate' },
      buildConfig: nodeBuild(props.source, props.buildAccount, 'migrate'),
      serviceConfig: {
        serviceAccountEmail: identity.account.email,
        availableMemory: '512Mi',
        availableCpu: '1',
        timeoutSeconds: 600,
        maxInstanceCount: 1,
        minInstanceCount: 0,
        maxInstanceRequestConcurrency: 1,
        // Called from CI (outside Google Cloud); IAM (run.invoker) is the gate.
        ingressSettings: 'ALLOW_ALL',
        allTrafficOnLatestRevision: true,
        vpcConnector: props.network.connector.id,
        vpcConnectorEgressSettings: 'PRIVATE_RANGES_ONLY',
        environmentVariables: {
          GOOGLE_CLOUD_PROJECT: project,
          METDB_CLOUDSQL_INSTANCE: database.instance.connectionName,
          METDB_DB_NAME: config.sql.databaseName,
          METDB_DB_USER: `${accountId}@${project}.iam`,
          METDB_DB_IP_TYPE: 'PRIVATE',
          METDB_DB_POOL_SIZE: String(MIGRATE_POOL_SIZE), // counted in the connection budget
          METDB_GRANT_DML_TO: props.functionDbUsers.join(','),
        },
      },
      dependsOn: [...props.dependsOn, ...identity.grants, this.dbUser, database.database],
    });
    new CloudRunV2ServiceIamMember(this, 'deployer-invoker', {
      project,
      location: region,
      name: this.function.serviceConfig.service,
      role: 'roles/run.invoker',
      member: props.invoker,
    });
  }
}
