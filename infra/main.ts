/**
 * The CDK for Terraform app (`cdktf.json` runs it; `npm run synth` too). Chooses the environment
 * from `METDB_ENV` (see `loadConfig`), synthesizes `cdktf.out/stacks/metdb-<env>/cdk.tf.json`
 * and prints where it went. Run from the repository root.
 */
import { isMetdbError } from '../shared/errors/metdb-error.js';
import { connectionBudget } from './connection-budget.js';
import { loadConfig } from './environments.js';
import { synthesize } from './synthesize.js';

try {
  const config = loadConfig();
  const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
  const { stackName, terraformJson } = synthesize(config, { outdir });
  const budget = connectionBudget(config);
  console.log(
    `metdb infra: stack ${stackName} (project ${config.project}, region ${config.region}); ` +
      `Cloud SQL connections ${budget.demand}/${budget.limit}\n` +
      `Terraform JSON: ${terraformJson}`,
  );
} catch (error) {
  if (!isMetdbError(error)) throw error;
  console.error(`metdb infra: ${error.message}`);
  process.exitCode = 1;
}
