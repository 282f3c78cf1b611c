/**
 * Similarity registration (`registerSimilarity`, part of `npm run bench`): accuracy and speed on
 * pairs made from the three real test images (camera 512², the low-texture cell 512², BBBC022
 * 384x512) with seeded random similarities (any angle, scales 0.8-1.25, shifts up to ±15 px),
 * 2 % noise and content entering and leaving at the borders (bench/similarity-pair.ts).
 *
 * Accuracy: the distance between where the estimated and the true matrix put the moving image's
 * four corners (mean over corners and pairs, and the largest). Speed: per pair, one thread,
 * median wall time and the process's CPU time (other processes on a shared machine inflate wall time).
 * When /usr/bin/python3 can import imreg_dft (not packaged by Debian: put it on PYTHONPATH), the
 * same pairs go through imreg_dft.similarity (bench/python/imreg_dft_similarity.py).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageFile } from '../shared/imaging/read-image-file.js';
import { registerSimilarity } from '../shared/registration/similarity/register-similarity.js';
import { similarityMatrix, imageCentre } from '../shared/registration/similarity/transform-matrix.js';
import { repoRoot } from './repo-root.js';
import { cornerErrors, similarityPair, type SimilarityTruth } from './similarity-pair.js';

const PAIRS = Number(process.env['METDB_BENCH_SIMILARITY_PAIRS'] ?? 8);

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

interface Row {
  image: string;
  truth: SimilarityTruth;
  metdb: { mean: number; max: number; ms: number; cpu: number; angleError: number; scaleError: number };
}

const rows: Row[] = [];
const dir = mkdtempSync(join(tmpdir(), 'metdb-similarity-'));
const request: { cases: object[] } = { cases: [] };
try {
  for (const name of ['camera', 'cell', 'bbbc022']) {
    const source = (await readImageFile(join(repoRoot(), 'test', 'fixtures', 'similarity', `${name}.png`)))
      .array;
    const rand = seeded(name.length * 7919);
    registerSimilarity(source, source); // warm-up: FFT plans and the JIT
    for (let k = 0; k < PAIRS; k++) {
      const truth: SimilarityTruth = {
        angle: -180 + 360 * rand(),
        scale: Math.exp(Math.log(0.8) + (Math.log(1.25) - Math.log(0.8)) * rand()),
        shift: [-15 + 30 * rand(), -15 + 30 * rand()],
      };
      const pair = similarityPair(source, truth, 0.02, 100 + k);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const r = registerSimilarity(pair.reference, pair.moving);
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0).user / 1000;
      const e = cornerErrors(r.matrix, pair.matrix, source.shape);
      const angleError = Math.abs(((r.angle - truth.angle + 540) % 360) - 180);
      rows.push({
        image: name,
        truth,
        metdb: { ...e, ms, cpu, angleError, scaleError: Math.abs(r.scale - truth.scale) },
      });
      const id = `${name}-${k}`;
      writeFileSync(join(dir, `${id}.ref.f32`), Buffer.from(pair.reference.data.buffer));
      writeFileSync(join(dir, `${id}.mov.f32`), Buffer.from(pair.moving.data.buffer));
      request.cases.push({
        id,
        shape: source.shape,
        reference: join(dir, `${id}.ref.f32`),
        moving: join(dir, `${id}.mov.f32`),
      });
    }
  }
  const peer = imregDft(request);

  const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;
  console.log(
    `\nMet-db registerSimilarity, ${PAIRS} pairs per image, 2 % noise, scales 0.8-1.25, any angle, one thread`,
  );
  console.log(
    [
      'image',
      'corner mean px',
      'corner max px',
      'max angle err deg',
      'max scale err',
      'median ms',
      'median cpu ms',
    ].join('\t'),
  );
  for (const name of ['camera', 'cell', 'bbbc022', 'all']) {
    const sel = rows.filter((r) => name === 'all' || r.image === name).map((r) => r.metdb);
    console.log(
      [
        name,
        (sel.reduce((s, r) => s + r.mean, 0) / sel.length).toFixed(3),
        Math.max(...sel.map((r) => r.max)).toFixed(3),
        Math.max(...sel.map((r) => r.angleError)).toFixed(4),
        Math.max(...sel.map((r) => r.scaleError)).toFixed(5),
        median(sel.map((r) => r.ms)).toFixed(0),
        median(sel.map((r) => r.cpu)).toFixed(0),
      ].join('\t'),
    );
  }
  if (!peer.available) {
    console.log(
      `(imreg_dft not measured: ${peer.reason}; the issue cites about 500 ms per 512² pair on one thread)`,
    );
  } else {
    console.log(`\nimreg_dft ${peer.version ?? ''} similarity() on the same pairs`);
    console.log(['image', 'corner mean px', 'corner max px', 'max angle err deg', 'median ms'].join('\t'));
    const results = peer.cases ?? [];
    for (const name of ['camera', 'cell', 'bbbc022', 'all']) {
      const sel = rows
        .map((r, i) => ({ r, p: results[i] }))
        .filter(({ r, p }) => p !== undefined && (name === 'all' || r.image === name));
      const errs = sel.map(({ r, p }) => {
        const m = similarityMatrix(p!.angle, p!.scale, p!.shift, imageCentre(p!.shape));
        const truth = similarityMatrix(r.truth.angle, r.truth.scale, r.truth.shift, imageCentre(p!.shape));
        return {
          ...cornerErrors(m, truth, p!.shape),
          angle: Math.abs(((p!.angle - r.truth.angle + 540) % 360) - 180),
          ms: p!.ms,
        };
      });
      console.log(
        [
          name,
          (errs.reduce((s, e) => s + e.mean, 0) / errs.length).toFixed(3),
          Math.max(...errs.map((e) => e.max)).toFixed(3),
          Math.max(...errs.map((e) => e.angle)).toFixed(4),
          median(errs.map((e) => e.ms)).toFixed(0),
        ].join('\t'),
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

interface PeerCase {
  shape: number[];
  angle: number;
  scale: number;
  shift: [number, number];
  ms: number;
}

function imregDft(req: object): {
  available: boolean;
  reason?: string;
  version?: string;
  cases?: PeerCase[];
} {
  const script = join(repoRoot(), 'bench', 'python', 'imreg_dft_similarity.py');
  const run = spawnSync('/usr/bin/python3', [script], {
    input: JSON.stringify(req),
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (run.status !== 0)
    return { available: false, reason: run.stderr.trim().split('\n').pop() ?? 'python failed' };
  return JSON.parse(run.stdout) as { available: boolean; reason?: string; cases?: PeerCase[] };
}
