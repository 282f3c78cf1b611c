/**
 * Accuracy and speed of `localisationDrift` on simulated acquisitions (bench/simulate-localisations.ts:
 * emitters blinking on the ER of a real Cell Painting image, 10-15 nm precision, smooth drift):
 * RMS error of the recovered drift against the truth over every frame, in 2D and 3D, with the
 * default settings (chosen from the data) and some alternatives. `npm run bench:locdrift`.
 */
import { join } from 'node:path';
import { readImageFile } from '../shared/imaging/read-image-file.js';
import {
  localisationDrift,
  type LocalisationDriftOptions,
} from '../shared/localisations/localisation-drift.js';
import { repoRoot } from './repo-root.js';
import { simulateLocalisations, type SimulationOptions } from './simulate-localisations.js';

/** RMS over frames and axes of recovered minus true drift, nm, per axis and overall. */
export function driftRmsError(
  recovered: number[][],
  truth: number[][],
): { perAxis: number[]; total: number } {
  const ndim = truth[0]!.length;
  const ss = new Array<number>(ndim).fill(0);
  truth.forEach((t, k) => t.forEach((v, a) => (ss[a] = ss[a]! + (recovered[k]![a]! - v) ** 2)));
  const perAxis = ss.map((s) => Math.sqrt(s / truth.length));
  return { perAxis, total: Math.sqrt(ss.reduce((a, b) => a + b, 0) / truth.length) };
}

async function main(): Promise<void> {
  const structure = (await readImageFile(join(repoRoot(), 'test/fixtures/localisations/bbbc022_er_crop.tif')))
    .array;
  const cases: { name: string; sim: SimulationOptions; drift?: LocalisationDriftOptions }[] = [
    ...[1, 2, 3].map((seed) => ({
      name: `2D, 5000 frames, seed ${seed}, defaults`,
      sim: { frames: 5000, seed },
    })),
    {
      name: '2D, 5000 frames, linear interpolation',
      sim: { frames: 5000 },
      drift: { interpolation: 'linear' },
    },
    { name: '2D, 5000 frames, window 3', sim: { frames: 5000 }, drift: { window: 3 } },
    { name: '2D, 5000 frames, blur 1 px', sim: { frames: 5000 }, drift: { blur: 1 } },
    // The PYME RCC plugin's defaults: 30 nm bins, 2500-frame steps, pairs within 5 steps.
    {
      name: '2D, 5000 frames, PYME settings',
      sim: { frames: 5000 },
      drift: { pixelSize: 30, binFrames: 2500, window: 5 },
    },
    { name: '2D, 20000 frames, 15 per frame', sim: { frames: 20000, perFrame: 15 } },
    { name: '2D, 3000 frames, 10 per frame (sparse)', sim: { frames: 3000, perFrame: 10, seed: 4 } },
    { name: '3D, 5000 frames, defaults', sim: { frames: 5000, threeD: true } },
  ];
  for (const c of cases) {
    const sim = simulateLocalisations(structure, c.sim);
    const t0 = performance.now();
    const result = localisationDrift(sim, c.drift);
    const ms = performance.now() - t0;
    const error = driftRmsError(result.drift, sim.drift);
    const span = Math.max(...sim.drift.flatMap((d) => d.map(Math.abs)));
    process.stdout.write(
      `${c.name}: ${sim.x.length} localisations; ${result.bins.length} bins of ${result.binFrames} frames, ` +
        `${result.pixelSize} nm pixels, window ${result.window}, ${result.pairs.length} pairs ` +
        `(${result.pairs.filter((p) => p.rejected).length} dropped); drift up to ${span.toFixed(0)} nm; ` +
        `RMS error ${error.total.toFixed(2)} nm (${error.perAxis.map((e) => e.toFixed(2)).join(' / ')}); ` +
        `${(ms / 1000).toFixed(2)} s\n`,
    );
  }
}

if (
  process.argv[1]?.endsWith('localisation-drift.bench.js') ||
  process.argv[1]?.endsWith('localisation-drift.bench.ts')
) {
  await main();
}
