import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetdbInfraConfig } from '../../infra/config.js';
import { withOverrides } from '../../infra/environments.js';
import { synthesize } from '../../infra/synthesize.js';

/** One Terraform block (resource, data source, output) as synthesized JSON. */
export type Block = { readonly [field: string]: unknown };

/** The parts of `cdk.tf.json` the tests read. */
export interface TerraformJson {
  readonly resource: Readonly<Record<string, Readonly<Record<string, Block>>>>;
  readonly data: Readonly<Record<string, Readonly<Record<string, Block>>>>;
  readonly output: Readonly<Record<string, Block>>;
  readonly provider: Readonly<Record<string, readonly Block[]>>;
  readonly terraform: Block;
}

export interface SynthesizedStack {
  readonly json: TerraformJson;
  readonly config: MetdbInfraConfig;
  /** Directory with the outputs; remove with {@link SynthesizedStack.cleanup}. */
  readonly dir: string;
  readonly cleanup: () => void;
}

/**
 * Synthesizes the stack of `base` into a temporary directory, with a minimal staged functions
 * source (the real one needs `npm run build`), and parses the Terraform JSON.
 */
export function synthStack(base: MetdbInfraConfig): SynthesizedStack {
  const dir = mkdtempSync(join(tmpdir(), 'metdb-infra-'));
  const source = join(dir, 'stage');
  mkdirSync(join(source, 'dist', 'functions'), { recursive: true });
  writeFileSync(join(source, 'dist', 'functions', 'index.js'), 'export {};\n');
  writeFileSync(
    join(source, 'package.json'),
    '{"name":"metdb-functions","main":"dist/functions/index.js"}\n',
  );
  const config = withOverrides(base, { functionsSourceDir: source });
  const { terraformJson } = synthesize(config, { outdir: join(dir, 'cdktf.out') });
  const json = JSON.parse(readFileSync(terraformJson, 'utf8')) as TerraformJson;
  return { json, config, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The resources of one Terraform type (empty if none). */
export function resourcesOf(json: TerraformJson, type: string): Block[] {
  return Object.values(json.resource[type] ?? {});
}

/** Every string anywhere in a JSON value. */
export function allStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(allStrings);
  return [];
}

/** A nested object field, asserting it is an object. */
export function field(block: Block, name: string): Block {
  const value = block[name];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`field ${name} is not an object: ${JSON.stringify(value)}`);
  }
  return value as Block;
}
