/**
 * `npm run bench`: times phaseCrossCorrelation on 2D 512², 1024², 2048², 2304² and 3D 64x256x256
 * at upsample 1 and 100, on one thread, and, when Debian's python3-skimage and python3-opencv are
 * installed, times scikit-image and cv2.phaseCorrelate on the same arrays in the same run.
 *
 * Inputs are real pixels: the bundled camera crop (and the cryo-ET stack for 3D) tiled by mirror
 * reflection to the size, shifted by a known subpixel amount and given Gaussian noise. float32
 * arrays, so scikit-image computes in complex64 (its fastest path).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sizeOf, stridesOf, type NdArray } from '../shared/ndarray/ndarray.js';
import { CorrelationWorkspace } from '../shared/registration/correlation-workspace.js';
import { fourierShift } from '../shared/registration/fourier-shift.js';
import { phaseCrossCorrelation } from '../shared/registration/phase-cross-correlation.js';
import { loadBenchSource } from './bench-source.js';
import { resample } from './resample.js';
import { repoRoot } from './repo-root.js';

const PYTHON = '/usr/bin/python3';
const REPEATS = Number(process.env['METDB_BENCH_REPEATS'] ?? 5);

interface Case {
  id: string;
  shape: number[];
  applied: number[];
}

const CASES: Case[] = [
  { id: '2d-512', shape: [512, 512], applied: [3.37, -5.81] },
  { id: '2d-1024', shape: [1024, 1024], applied: [-7.25, 2.6] },
  { id: '2d-2048', shape: [2048, 2048], applied: [12.81, 9.14] },
  { id: '2d-2304', shape: [2304, 2304], applied: [-4.4, 6.66] },
  { id: '3d-64x256x256', shape: [64, 256, 256], applied: [1.3, -2.7, 3.45] },
];

function noisy(image: NdArray, sigma: number, seed: number): NdArray<Float32Array> {
  let s = seed;
  const rand = (): number => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const out = new Float32Array(image.data.length);
  for (let i = 0; i < out.length; i++) {
    const g = Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
    out[i] = image.data[i]! + sigma * g;
  }
  return { data: out, shape: image.shape };
}

function time(f: () => unknown): { median: number; min: number } {
  for (let w = 0; w < 3; w++) f(); // warm-up: plans, twiddles and the JIT
  const t: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { median: t[Math.floor(t.length / 2)]!, min: t[0]! };
}

interface PythonCase {
  id: string;
  skimage?: { upsampleFactor: number; medianMs: number; shift: number[] }[];
  opencv?: { medianMs: number; shift: number[] } | null;
  error?: string;
}

const dir = mkdtempSync(join(tmpdir(), 'metdb-bench-'));
try {
  const rows: { id: string; u: number; ms: number; min: number; shift: number[] }[] = [];
  const request = { repeats: REPEATS, upsampleFactors: [1, 100], cases: [] as object[] };
  for (const c of CASES) {
    const source = loadBenchSource(c.shape.length);
    const canvas = resample(
      source,
      c.shape.map((n, a) => n + 2 * (a === 0 && c.shape.length === 3 ? 4 : 16)),
    );
    const window = (img: NdArray): NdArray => {
      const off = img.shape.map((n, a) => (n - c.shape[a]!) / 2);
      const out = new Float32Array(sizeOf(c.shape));
      const is = stridesOf(img.shape);
      const os = stridesOf(c.shape);
      for (let i = 0; i < out.length; i++) {
        let rest = i;
        let src = 0;
        for (let a = 0; a < c.shape.length; a++) {
          const k = Math.floor(rest / os[a]!);
          rest -= k * os[a]!;
          src += (k + off[a]!) * is[a]!;
        }
        out[i] = img.data[src]!;
      }
      return { data: out, shape: c.shape };
    };
    const reference = noisy(window(canvas), 3, 1);
    const moving = noisy(window(fourierShift(canvas, c.applied)), 3, 2);
    // One workspace for the repeats, as a thread registering many images keeps one.
    const workspace = new CorrelationWorkspace();
    for (const u of [1, 100]) {
      let shift: number[] = [];
      const t = time(
        () => (shift = phaseCrossCorrelation(reference, moving, { upsampleFactor: u }, workspace).shift),
      );
      rows.push({ id: c.id, u, ms: t.median, min: t.min, shift });
    }
    const ref = join(dir, `${c.id}.ref.f32`);
    const mov = join(dir, `${c.id}.mov.f32`);
    writeFileSync(ref, Buffer.from(reference.data.buffer));
    writeFileSync(mov, Buffer.from(moving.data.buffer));
    request.cases.push({ id: c.id, dtype: 'float32', shape: c.shape, reference: ref, moving: mov });
    console.error(`measured ${c.id}`);
  }

  let python: { available: boolean; reason?: string; cases?: PythonCase[] } = {
    available: false,
    reason: `${PYTHON} not found`,
  };
  if (existsSync(PYTHON)) {
    const script = join(repoRoot(), 'bench', 'python', 'time_registration.py');
    const run = spawnSync(PYTHON, [script, JSON.stringify(request)], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    python =
      run.status === 0 ? (JSON.parse(run.stdout) as typeof python) : { available: false, reason: run.stderr };
  }

  const fmt = (v: number | undefined, d = 1): string => (v === undefined ? '-' : v.toFixed(d));
  console.log(`Met-db phaseCrossCorrelation, one thread, node ${process.version}, median of ${REPEATS}`);
  if (!python.available) console.log(`(scikit-image/OpenCV not measured: ${python.reason ?? 'unavailable'})`);
  console.log(
    [
      'case',
      'upsample',
      'metdb ms',
      'skimage ms',
      'ratio',
      'cv2 ms',
      'ratio',
      'metdb shift',
      'skimage shift',
    ].join('\t'),
  );
  for (const r of rows) {
    const p = python.cases?.find((x) => x.id === r.id);
    const sk = p?.skimage?.find((x) => x.upsampleFactor === r.u);
    const cv = r.u === 1 ? (p?.opencv ?? undefined) : undefined;
    console.log(
      [
        r.id,
        r.u,
        fmt(r.ms),
        fmt(sk?.medianMs),
        sk ? `${fmt(r.ms / sk.medianMs, 2)}x` : '-',
        fmt(cv?.medianMs),
        cv ? `${fmt(r.ms / cv.medianMs, 2)}x` : '-',
        r.shift.map((s) => s.toFixed(2)).join(','),
        sk ? sk.shift.map((s) => s.toFixed(2)).join(',') : '-',
      ].join('\t'),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
