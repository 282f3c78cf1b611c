import { MetdbError } from '../shared/errors/metdb-error.js';
import type { FunctionName, MetdbInfraConfig } from './config.js';
import { FUNCTION_NAMES } from './config.js';

/** Instances of the `sweep` and of the `deadLetter` function (recovery-functions.ts): one each. */
export const RECOVERY_MAX_INSTANCES = 1;
/** Pool size of the `migrate` function (one instance, called once per deploy). */
export const MIGRATE_POOL_SIZE = 1;

/** How the Cloud SQL connections of a configuration add up. */
export interface ConnectionBudget {
  /** Connections each function can hold at most: max instances × pool size (concurrency 1). */
  readonly perFunction: Readonly<Record<FunctionName, number>>;
  /** The functions of a fixed size, which no environment scales: sweep, deadLetter, migrate. */
  readonly fixed: Readonly<Record<'sweep' | 'deadLetter' | 'migrate', number>>;
  /** Sum over the functions plus the reserved connections. */
  readonly demand: number;
  /** The instance's `max_connections`. */
  readonly limit: number;
}

/**
 * Worst case of simultaneous Cloud SQL connections: every function scaled to its
 * `maxInstances`, each instance holding a full pool of `dbPoolSize` connections (one request
 * per instance), the sweep, deadLetter and migrate functions at their fixed sizes, plus the
 * connections reserved for operators.
 */
export function connectionBudget(config: MetdbInfraConfig): ConnectionBudget {
  const perFunction = {} as Record<FunctionName, number>;
  let demand = config.sql.reservedConnections;
  for (const name of FUNCTION_NAMES) {
    const connections = config.functions[name].maxInstances * config.dbPoolSize;
    perFunction[name] = connections;
    demand += connections;
  }
  const fixed = {
    sweep: RECOVERY_MAX_INSTANCES * config.dbPoolSize,
    deadLetter: RECOVERY_MAX_INSTANCES * config.dbPoolSize,
    migrate: MIGRATE_POOL_SIZE,
  };
  demand += fixed.sweep + fixed.deadLetter + fixed.migrate;
  return { perFunction, fixed, demand, limit: config.sql.maxConnections };
}

/**
 * Throws at synth time when the functions could open more connections than the instance accepts:
 * a burst of uploads would otherwise end in `Too many connections` errors and retries.
 */
export function assertConnectionBudget(config: MetdbInfraConfig): ConnectionBudget {
  const budget = connectionBudget(config);
  if (budget.demand > budget.limit) {
    const terms = [
      ...FUNCTION_NAMES.map((name) => `${name} ${config.functions[name].maxInstances}×${config.dbPoolSize}`),
      `sweep, deadLetter, migrate ${budget.fixed.sweep + budget.fixed.deadLetter + budget.fixed.migrate}`,
    ].join(' + ');
    throw new MetdbError(
      'invalid-value',
      `Cloud SQL connection budget exceeded in '${config.environment}': ${terms} + ` +
        `${config.sql.reservedConnections} reserved = ${budget.demand} > max_connections ` +
        `${budget.limit}. Lower maxInstances or dbPoolSize, or raise sql.maxConnections (and the tier).`,
      { details: { environment: config.environment, demand: budget.demand, limit: budget.limit } },
    );
  }
  return budget;
}
