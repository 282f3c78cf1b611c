import { assertConnectionBudget } from './connection-budget.js';
import { assertValidConfig } from './config-validation.js';
import type { MetdbInfraConfig } from './config.js';

/**
 * Validates a configuration: names, ranges and the Cloud SQL connection budget.
 * Throws a permanent `MetdbError` (`invalid-value`) naming the first violation.
 */
export function checkConfig(config: MetdbInfraConfig): MetdbInfraConfig {
  assertValidConfig(config);
  assertConnectionBudget(config);
  return config;
}
