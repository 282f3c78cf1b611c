import type { ITerraformDependable } from 'cdktf';
import type { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import type { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import type { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import type { MetdbInfraConfig } from '../config.js';
import type { TopicName } from '../function-specs.js';
import type { CloudSqlDatabase } from './cloud-sql-database.js';
import type { FunctionSource } from './function-source.js';
import type { PrivateNetwork } from './private-network.js';

/** What every Pub/Sub-triggered function of the stack is deployed with. */
export interface FunctionContext {
  readonly config: MetdbInfraConfig;
  readonly source: FunctionSource;
  readonly buildAccount: ServiceAccount;
  /** The account Pub/Sub pushes as. */
  readonly pushAccount: ServiceAccount;
  readonly database: CloudSqlDatabase;
  readonly network: PrivateNetwork;
  readonly uploadBucket: StorageBucket;
  readonly resultsBucket: StorageBucket;
  readonly topics: Readonly<Record<TopicName, PubsubTopic>>;
  readonly deadLetter: PubsubTopic;
  readonly dependsOn: ITerraformDependable[];
}
