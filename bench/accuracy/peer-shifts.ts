import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../repo-root.js';
import type { AccuracyCase } from './accuracy-case.js';

const PYTHON = '/usr/bin/python3';

export interface PeerShifts {
  readonly available: boolean;
  readonly reason?: string;
  readonly versions?: Record<string, string | null>;
  /** Per case id, per method name, its shift (null where the method does not apply). */
  readonly cases: Map<string, Record<string, number[] | null>>;
}

/**
 * The peers' shifts on the same arrays (bench/python/accuracy_peers.py on raw float32 copies):
 * scikit-image, OpenCV and ASHLAR's method. Unavailable, with the reason, when Debian's
 * python3-skimage is not installed.
 */
export function peerShifts(cases: readonly AccuracyCase[]): PeerShifts {
  if (!existsSync(PYTHON)) return { available: false, reason: `${PYTHON} not found`, cases: new Map() };
  const dir = mkdtempSync(join(tmpdir(), 'metdb-accuracy-'));
  try {
    const request = {
      cases: cases.map((c) => {
        const reference = join(dir, `${c.id}.ref.f32`);
        const moving = join(dir, `${c.id}.mov.f32`);
        writeFileSync(reference, c.reference.data);
        writeFileSync(moving, c.moving.data);
        return { id: c.id, shape: c.reference.shape, reference, moving };
      }),
    };
    writeFileSync(join(dir, 'request.json'), JSON.stringify(request));
    const script = join(repoRoot(), 'bench', 'python', 'accuracy_peers.py');
    const run = spawnSync(PYTHON, [script, join(dir, 'request.json')], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (run.status !== 0) return { available: false, reason: `peers exited ${run.status}`, cases: new Map() };
    const doc = JSON.parse(run.stdout) as {
      available: boolean;
      reason?: string;
      versions?: Record<string, string | null>;
      cases?: { id: string; methods?: Record<string, number[] | null>; error?: string }[];
    };
    const byId = new Map<string, Record<string, number[] | null>>();
    for (const c of doc.cases ?? []) {
      if (c.error !== undefined) console.error(`peers failed on ${c.id}: ${c.error}`);
      byId.set(c.id, c.methods ?? {});
    }
    return {
      available: doc.available,
      ...(doc.reason === undefined ? {} : { reason: doc.reason }),
      ...(doc.versions === undefined ? {} : { versions: doc.versions }),
      cases: byId,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
