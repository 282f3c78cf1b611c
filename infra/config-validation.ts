import { MetdbError } from '../shared/errors/metdb-error.js';
import type { MetdbInfraConfig } from './config.js';
import { FUNCTION_NAMES } from './config.js';

/** The Pub/Sub maximum ack deadline; push subscriptions use the function timeout as deadline. */
const MAX_ACK_DEADLINE_SECONDS = 600;

function invalid(config: MetdbInfraConfig, field: string, problem: string): never {
  throw new MetdbError('invalid-value', `infra config '${config.environment}': ${field} ${problem}`, {
    details: { environment: config.environment, field },
  });
}

function positiveInteger(config: MetdbInfraConfig, field: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) invalid(config, field, `must be an integer >= ${min}`);
}

/** Checks names and ranges that Google Cloud would otherwise reject only at apply time. */
export function assertValidConfig(config: MetdbInfraConfig): void {
  if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(config.project)) {
    invalid(config, 'project', `'${config.project}' is not a project id`);
  }
  // Service account ids are `<prefix>-register-tile` and must stay within 30 characters.
  if (!/^[a-z][a-z0-9-]{1,12}[a-z0-9]$/.test(config.namePrefix)) {
    invalid(config, 'namePrefix', 'must be 3-14 lowercase letters, digits or dashes');
  }
  if (!/^[a-z]+-[a-z]+[0-9]$/.test(config.region)) invalid(config, 'region', `'${config.region}' is unknown`);
  positiveInteger(config, 'dbPoolSize', config.dbPoolSize);
  for (const name of FUNCTION_NAMES) {
    const sizing = config.functions[name];
    positiveInteger(config, `functions.${name}.maxInstances`, sizing.maxInstances);
    positiveInteger(config, `functions.${name}.minInstances`, sizing.minInstances, 0);
    if (sizing.minInstances > sizing.maxInstances) {
      invalid(config, `functions.${name}.minInstances`, 'exceeds maxInstances');
    }
    positiveInteger(config, `functions.${name}.timeoutSeconds`, sizing.timeoutSeconds, 10);
    if (sizing.timeoutSeconds > MAX_ACK_DEADLINE_SECONDS) {
      invalid(config, `functions.${name}.timeoutSeconds`, `exceeds the ack deadline maximum 600 s`);
    }
    if (!/^[0-9]+(Mi|Gi)$/.test(sizing.memory)) invalid(config, `functions.${name}.memory`, 'needs Mi or Gi');
  }
  const { pubsub, sql, buckets } = config;
  if (pubsub.maxDeliveryAttempts < 5 || pubsub.maxDeliveryAttempts > 100) {
    invalid(config, 'pubsub.maxDeliveryAttempts', 'must be within 5..100');
  }
  positiveInteger(config, 'sql.maxConnections', sql.maxConnections, 10);
  positiveInteger(config, 'sql.reservedConnections', sql.reservedConnections, 0);
  positiveInteger(config, 'sql.retainedBackups', sql.retainedBackups);
  positiveInteger(config, 'sql.transactionLogRetentionDays', sql.transactionLogRetentionDays);
  if (!/^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(sql.backupStartTime)) {
    invalid(config, 'sql.backupStartTime', 'must be HH:MM');
  }
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(sql.databaseName)) invalid(config, 'sql.databaseName', 'is not valid');
  positiveInteger(config, 'buckets.uploadNoncurrentDeleteDays', buckets.uploadNoncurrentDeleteDays);
  positiveInteger(config, 'buckets.resultsNearlineAfterDays', buckets.resultsNearlineAfterDays);
  const { network, images } = config;
  if (network.privateServicesPrefixLength < 16 || network.privateServicesPrefixLength > 24) {
    invalid(config, 'network.privateServicesPrefixLength', 'must be within 16..24');
  }
  if (!/^(\d{1,3}\.){3}\d{1,3}\/28$/.test(network.connectorCidr)) {
    invalid(config, 'network.connectorCidr', 'must be an IPv4 /28 range');
  }
  if (network.connectorMaxInstances < 3 || network.connectorMaxInstances > 10) {
    invalid(config, 'network.connectorMaxInstances', 'must be within 3..10');
  }
  if (!(images.maxPixels >= 1 && Number.isFinite(images.maxPixels))) {
    invalid(config, 'images.maxPixels', 'must be a positive number');
  }
}
