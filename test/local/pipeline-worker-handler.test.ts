import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { createWorkerHandler } from '../../local/pipeline-worker-handler.js';
import type { LocalRunConfig } from '../../local/local-run-config.js';
import { SCHEMA_VERSION } from '../../shared/messages/parse-message.js';
import { resolveJobParams, tileParamsOf } from '../../shared/pipeline/dataset-settings.js';
import { DEFAULT_PIPELINE_LIMITS } from '../../shared/pipeline/pipeline-deps.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function config(): LocalRunConfig {
  const root = mkdtempSync(join(tmpdir(), 'metdb-handler-'));
  dirs.push(root);
  return {
    database: { kind: 'sqlite', path: join(root, 'metdb.sqlite') },
    blobsRoot: join(root, 'blobs'),
    uploadsRoot: root,
    dataset: 'd',
    limits: DEFAULT_PIPELINE_LIMITS,
  };
}

/** A well-formed tile message whose images are not in the blob folder. */
function tileMessage(): Record<string, unknown> {
  const image = (id: string) => ({
    imageId: id,
    path: `datasets/d/images/${id}.tif`,
    shape: [256, 256],
    pixelType: 'uint16',
  });
  return {
    schemaVersion: SCHEMA_VERSION,
    jobId: randomUUID(),
    tileIndex: 0,
    tileCount: 4,
    datasetId: randomUUID(),
    reference: image(randomUUID()),
    moving: image(randomUUID()),
    region: { start: [0, 0], size: [128, 128] },
    offset: [0, 0],
    params: tileParamsOf(resolveJobParams(2, {})),
  };
}

describe('the local workers’ handler', () => {
  it('validates the messages of a unit', async () => {
    const handler = await createWorkerHandler(config());
    const { schemaVersion: _, ...unversioned } = tileMessage();
    const results = await handler.handleBatch!(
      [
        { message: tileMessage(), attributes: {} },
        { message: unversioned, attributes: {} },
      ],
      'tiles',
    );
    // Well-formed, images missing: measured, a skipped row with the reason.
    expect(results[0]).toMatchObject({ ok: true, outcome: { skipped: true, weight: 0 } });
    // Malformed: rejected for good, with the message's fault.
    const rejected = results[1]!;
    expect(rejected.ok).toBe(false);
    const error = rejected.ok ? undefined : rejected.error;
    expect(isMetdbError(error) && error.kind === 'permanent' && /schemaVersion/.test(error.message)).toBe(
      true,
    );
    await expect(
      handler.handleBatch!([{ message: tileMessage(), attributes: {} }], 'aggregate'),
    ).rejects.toThrow(/no handler for aggregate/);
    await handler.close();
  });
});
