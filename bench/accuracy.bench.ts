/**
 * `npm run bench:accuracy`: the registration error of Met-db's default pipeline against the peers
 * on seeded pairs cut from real images (bench/accuracy/accuracy-cases.ts): circular shifts and
 * realistic borders, no noise, 2 % and 20 % Gaussian noise, Poisson noise at 30 photons; a
 * textured image, a low-texture phase image and fluorescent nuclei; 256² to 2048²; 3D volumes.
 *
 * Methods: `metdb run` (the default pipeline: tiles, predicted offset, aggregation; `runPair`) and
 * `metdb register --upsample 100` (scikit-image's `phase_cross_correlation`, reproduced); the
 * peers, when /usr/bin/python3 has scikit-image (and OpenCV): bench/python/accuracy_peers.py.
 * Error = Euclidean distance of the shift from the truth, pixels. A case passes when Met-db's run
 * is within 0.02 px of the best peer's error.
 *
 * Environment: METDB_ACCURACY_CASES (a regular expression on the case ids), METDB_ACCURACY_PEERS=0
 * (skip the peers) or a file (their shifts from an earlier run's METDB_ACCURACY_JSON),
 * METDB_ACCURACY_JSON (write every shift and error to this file).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { phaseCrossCorrelation } from '../shared/registration/phase-cross-correlation.js';
import { makeCase, type AccuracyCase } from './accuracy/accuracy-case.js';
import { accuracyCaseSpecs, loadAccuracySources } from './accuracy/accuracy-cases.js';
import { peerShifts, type PeerShifts } from './accuracy/peer-shifts.js';
import { runPair } from './accuracy/run-pair.js';

const TOLERANCE = 0.02;
const RUN = 'metdb run';
const REGISTER = 'metdb register u100';

const filter = process.env['METDB_ACCURACY_CASES'];
const sources = await loadAccuracySources();
const cases: AccuracyCase[] = accuracyCaseSpecs(
  sources,
  filter === undefined ? undefined : new RegExp(filter),
).map(makeCase);

const ours = new Map<string, Record<string, number[]>>();
const runMs: number[] = [];
for (const c of cases) {
  const t0 = performance.now();
  const run = runPair(c.reference, c.moving);
  runMs.push(performance.now() - t0);
  const register = phaseCrossCorrelation(c.reference, c.moving, { upsampleFactor: 100 }).shift;
  ours.set(c.id, { [RUN]: run, [REGISTER]: register });
  console.error(`metdb: ${c.id} ${(performance.now() - t0).toFixed(0)} ms`);
}
const peers = peersOf(process.env['METDB_ACCURACY_PEERS']);

/** The peers run now, skipped ('0'), or read from an earlier run's METDB_ACCURACY_JSON file. */
function peersOf(setting: string | undefined): PeerShifts {
  if (setting === '0') return { available: false, reason: 'METDB_ACCURACY_PEERS=0', cases: new Map() };
  if (setting === undefined) return peerShifts(cases);
  const earlier = JSON.parse(readFileSync(setting, 'utf8')) as { shifts: Record<string, unknown>[] };
  const byId = new Map<string, Record<string, number[] | null>>();
  for (const { id, truth: _t, [RUN]: _r, [REGISTER]: _g, ...methods } of earlier.shifts) {
    byId.set(id as string, methods as Record<string, number[] | null>);
  }
  return { available: true, reason: `from ${setting}`, cases: byId };
}

const distance = (a: readonly number[] | null | undefined, b: readonly number[]): number =>
  a == null ? Number.NaN : Math.hypot(...a.map((v, k) => v - b[k]!));
const fmt = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : '-');

const peerNames = [...new Set([...peers.cases.values()].flatMap((m) => Object.keys(m)))];
const rows = cases.map((c) => {
  const errors: Record<string, number> = {};
  for (const [name, shift] of Object.entries({ ...peers.cases.get(c.id), ...ours.get(c.id) })) {
    errors[name] = distance(shift, c.truth);
  }
  let best = { name: '-', error: Number.NaN };
  for (const name of peerNames) {
    const e = errors[name] ?? Number.NaN;
    if (Number.isFinite(e) && !(e >= best.error)) best = { name, error: e };
  }
  const pass = !Number.isFinite(best.error) || errors[RUN]! <= best.error + TOLERANCE;
  return { c, errors, best, pass };
});

console.log(`# Registration error, pixels (Euclidean, against the known shift)\n`);
if (!peers.available) console.log(`(peers not run: ${peers.reason ?? 'unavailable'})\n`);
else console.log(`peers: ${JSON.stringify(peers.versions)}\n`);
console.log(`| case | truth | best peer | its error | ${RUN} | ${REGISTER} | run <= best + ${TOLERANCE} |`);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.c.id} | ${r.c.truth.map((t) => t.toFixed(2)).join(', ')} | ${r.best.name} | ${fmt(r.best.error)} | ${fmt(r.errors[RUN]!)} | ${fmt(r.errors[REGISTER]!)} | ${r.pass ? 'yes' : '**no**'} |`,
  );
}
const failed = rows.filter((r) => !r.pass).length;
console.log(
  `\n${rows.length - failed}/${rows.length} cases pass; metdb run took ${runMs.reduce((a, b) => a + b, 0).toFixed(0)} ms in all (one thread, this process)\n`,
);
if (peerNames.length > 0) {
  const names = [RUN, REGISTER, ...peerNames];
  console.log(`## Every method\n`);
  console.log(`| case | ${names.join(' | ')} |`);
  console.log(`|---|${names.map(() => '---').join('|')}|`);
  for (const r of rows)
    console.log(`| ${r.c.id} | ${names.map((n) => fmt(r.errors[n] ?? Number.NaN)).join(' | ')} |`);
}
const json = process.env['METDB_ACCURACY_JSON'];
if (json !== undefined) {
  const shifts = cases.map((c) => ({
    id: c.id,
    truth: c.truth,
    ...ours.get(c.id),
    ...peers.cases.get(c.id),
  }));
  writeFileSync(
    json,
    JSON.stringify({ rows: rows.map((r) => ({ id: r.c.id, errors: r.errors })), shifts }, null, 1),
  );
}
process.exitCode = failed === 0 ? 0 : 1;
