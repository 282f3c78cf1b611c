/** The deploy workflow applies exactly the reviewed plan, never without remote state (issue 20). */
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
}
interface Job {
  needs?: string | string[];
  steps: Step[];
}
const workflow = load(readFileSync('.github/workflows/deploy.yml', 'utf8')) as { jobs: Record<string, Job> };
const runs = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');

describe('deploy workflow', () => {
  const { plan, apply } = workflow.jobs as { plan: Job; apply: Job };

  it('saves the plan as an artifact, and the apply job applies that file without planning again', () => {
    expect(runs(plan)).toMatch(/terraform plan .*-out=tfplan/);
    const upload = plan.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(String(upload?.with?.path)).toMatch(/cdktf\.out\/stacks\/metdb-/);
    const download = apply.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'));
    expect(download?.with?.name).toBe(upload?.with?.name);
    expect(runs(apply)).toMatch(/terraform apply [^\n]*tfplan$/m);
    expect(runs(apply)).not.toMatch(/terraform plan|npm run synth/);
    expect(apply.needs).toBe('plan');
  });

  it('refuses to plan or apply without a remote state bucket', () => {
    for (const job of [plan, apply]) {
      const guard = job.steps.find((s) => s.name === 'Require a remote state bucket');
      expect(guard?.run).toMatch(/if \[ -z "\$METDB_STATE_BUCKET" \]; then[\s\S]*exit 1/);
      const guardAt = job.steps.indexOf(guard!);
      const terraformAt = job.steps.findIndex((s) => /terraform (plan|apply)/.test(s.run ?? ''));
      expect(guardAt).toBeLessThan(terraformAt);
    }
  });

  it('runs the migrations from CI, after the apply, through the migrate function', () => {
    const steps = runs(apply);
    expect(steps.indexOf('terraform output -raw migrate_url')).toBeGreaterThan(
      steps.indexOf('terraform apply'),
    );
    expect(steps).toMatch(/curl --fail-with-body -sS -X POST/);
  });
});
