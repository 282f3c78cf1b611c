import { join } from 'node:path';
import { App } from 'cdktf';
import type { MetdbInfraConfig } from './config.js';
import { checkConfig } from './check-config.js';
import { MetdbStack } from './metdb-stack.js';

export interface SynthesizeOptions {
  /** Output directory of the synthesis. @default 'cdktf.out' */
  readonly outdir?: string;
}

export interface SynthesisResult {
  readonly stackName: string;
  /** Path of the stack's Terraform JSON, `<outdir>/stacks/<stackName>/cdk.tf.json`. */
  readonly terraformJson: string;
}

/** Name of the stack of one environment, `metdb-<environment>`. */
export function stackName(config: MetdbInfraConfig): string {
  return `metdb-${config.environment}`;
}

/**
 * Synthesizes the stack of one environment to Terraform JSON, offline. Throws a permanent
 * `MetdbError` before writing anything if the config is invalid or over its connection budget.
 */
export function synthesize(config: MetdbInfraConfig, options: SynthesizeOptions = {}): SynthesisResult {
  const { outdir = 'cdktf.out' } = options;
  checkConfig(config);
  const app = new App({ outdir, skipValidation: false });
  const name = stackName(config);
  new MetdbStack(app, name, config);
  app.synth();
  return { stackName: name, terraformJson: join(outdir, 'stacks', name, 'cdk.tf.json') };
}
