import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { SqlDatabaseInstance } from '@cdktf/provider-google/lib/sql-database-instance/index.js';
import { SqlDatabase } from '@cdktf/provider-google/lib/sql-database/index.js';
import type { MetdbInfraConfig } from '../config.js';
import type { PrivateNetwork } from './private-network.js';

/**
 * Cloud SQL for MySQL 8 reached only through the Cloud SQL connectors:
 * - IAM database authentication (`cloudsql_iam_authentication=on`): no passwords exist for the
 *   functions; each logs in as its service account;
 * - private IP only (no public IP), on Met-db's VPC through private services access; the
 *   functions reach it through the VPC connector; `connectorEnforcement: REQUIRED` and
 *   `sslMode: ENCRYPTED_ONLY`: only the Cloud SQL Node.js connector and the Auth Proxy
 *   (mutual TLS, IAM-checked) can connect, no raw TCP client can;
 * - daily backups with binary logging (point-in-time recovery);
 * - `max_connections` set from the config, so the connection budget is checked against it.
 */
export class CloudSqlDatabase extends Construct {
  readonly instance: SqlDatabaseInstance;
  readonly database: SqlDatabase;

  constructor(
    scope: Construct,
    id: string,
    config: MetdbInfraConfig,
    network: PrivateNetwork,
    dependsOn: ITerraformDependable[],
  ) {
    super(scope, id);
    const { project, region, namePrefix, labels, sql } = config;
    this.instance = new SqlDatabaseInstance(this, 'instance', {
      project,
      region,
      name: `${namePrefix}-mysql`,
      databaseVersion: sql.databaseVersion,
      deletionProtection: sql.deletionProtection,
      dependsOn: [...dependsOn, network.peering],
      settings: {
        tier: sql.tier,
        edition: sql.edition,
        availabilityType: sql.availabilityType,
        diskType: 'PD_SSD',
        diskSize: sql.diskSizeGb,
        diskAutoresize: true,
        deletionProtectionEnabled: sql.deletionProtection,
        connectorEnforcement: 'REQUIRED',
        userLabels: { ...labels },
        ipConfiguration: {
          ipv4Enabled: false,
          privateNetwork: network.network.id,
          sslMode: 'ENCRYPTED_ONLY',
        },
        backupConfiguration: {
          enabled: true,
          binaryLogEnabled: true,
          startTime: sql.backupStartTime,
          transactionLogRetentionDays: sql.transactionLogRetentionDays,
          backupRetentionSettings: { retainedBackups: sql.retainedBackups, retentionUnit: 'COUNT' },
        },
        databaseFlags: [
          { name: 'cloudsql_iam_authentication', value: 'on' },
          { name: 'max_connections', value: String(sql.maxConnections) },
        ],
        insightsConfig: {
          queryInsightsEnabled: true,
          recordApplicationTags: false,
          recordClientAddress: false,
        },
        maintenanceWindow: { day: 7, hour: 3, updateTrack: 'stable' },
      },
    });
    this.database = new SqlDatabase(this, 'database', {
      project,
      instance: this.instance.name,
      name: sql.databaseName,
      charset: 'utf8mb4',
      collation: 'utf8mb4_0900_ai_ci',
    });
  }
}
