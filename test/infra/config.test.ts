import { describe, expect, it } from 'vitest';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { checkConfig } from '../../infra/check-config.js';
import type { MetdbInfraConfig } from '../../infra/config.js';
import { assertConnectionBudget, connectionBudget } from '../../infra/connection-budget.js';
import { ENVIRONMENTS, loadConfig } from '../../infra/environments.js';
import { synthesize } from '../../infra/synthesize.js';

/** Runs `action` and returns the MetdbError it throws (fails the test if it does not throw one). */
function metdbErrorOf(action: () => unknown): { code: string; message: string } {
  try {
    action();
  } catch (error) {
    if (isMetdbError(error)) return error;
    throw error;
  }
  throw new Error('expected a MetdbError');
}

const overBudget: MetdbInfraConfig = {
  ...ENVIRONMENTS.dev,
  functions: {
    ...ENVIRONMENTS.dev.functions,
    registerTile: { ...ENVIRONMENTS.dev.functions.registerTile, maxInstances: 100 },
  },
};

describe('infra config', () => {
  it('keeps both environments within their Cloud SQL connection budget', () => {
    expect(connectionBudget(ENVIRONMENTS.dev)).toEqual({
      perFunction: {
        ingest: 8,
        registerTile: 20,
        aggregate: 6,
        reprocess: 4,
        publishOutputs: 2,
        stitchEdge: 20,
        stitchSolve: 4,
      },
      fixed: { sweep: 2, deadLetter: 2, migrate: 1 },
      demand: 79,
      limit: 100,
    });
    const prod = assertConnectionBudget(ENVIRONMENTS.prod);
    expect(prod.demand).toBe((10 + 60 + 10 + 4 + 4 + 20 + 4) * 2 + (1 + 1) * 2 + 1 + 20); // + sweep, deadLetter, migrate
    expect(prod.demand).toBeLessThanOrEqual(prod.limit);
  });

  it('throws for a configuration whose functions could exhaust the connections', () => {
    const error = metdbErrorOf(() => checkConfig(overBudget));
    expect(error.code).toBe('invalid-value');
    expect(error.message).toContain('registerTile 100×2');
    expect(error.message).toContain(
      '+ sweep, deadLetter, migrate 5 + 10 reserved = 259 > max_connections 100',
    );
    // A larger pool breaks it too, at the same instance counts.
    expect(() => assertConnectionBudget({ ...ENVIRONMENTS.dev, dbPoolSize: 6 })).toThrow(
      /= 215 > max_connections 100/, // 32 × 6 + (sweep + deadLetter) × 6 + migrate 1 + 10
    );
  });

  it('refuses to synthesize an over-budget stack', () => {
    expect(() => synthesize(overBudget, { outdir: '/nonexistent/never-written' })).toThrow(
      /connection budget/,
    );
  });

  it('rejects values Google Cloud would reject at apply time', () => {
    const dev = ENVIRONMENTS.dev;
    const invalid: MetdbInfraConfig[] = [
      { ...dev, namePrefix: 'Metdb_Dev' },
      { ...dev, project: 'x' },
      { ...dev, dbPoolSize: 0 },
      { ...dev, functions: { ...dev.functions, ingest: { ...dev.functions.ingest, timeoutSeconds: 900 } } },
      { ...dev, functions: { ...dev.functions, ingest: { ...dev.functions.ingest, minInstances: 9 } } },
      { ...dev, pubsub: { ...dev.pubsub, maxDeliveryAttempts: 2 } },
      { ...dev, sql: { ...dev.sql, backupStartTime: '25:00' } },
    ];
    for (const config of invalid) {
      expect(metdbErrorOf(() => checkConfig(config)).code).toBe('invalid-value');
    }
  });

  it('chooses the environment and overrides from environment variables', () => {
    expect(loadConfig({}).environment).toBe('dev');
    const prod = loadConfig({
      METDB_ENV: 'prod',
      METDB_GCP_PROJECT: 'my-lab-metdb',
      METDB_GCP_REGION: 'us-central1',
      METDB_STATE_BUCKET: 'my-lab-tfstate',
    });
    expect(prod).toMatchObject({
      environment: 'prod',
      project: 'my-lab-metdb',
      region: 'us-central1',
      stateBucket: 'my-lab-tfstate',
      buckets: { location: 'US-CENTRAL1' },
    });
    expect(metdbErrorOf(() => loadConfig({ METDB_ENV: 'staging' })).message).toContain("METDB_ENV='staging'");
  });
});
