import type { NdArray } from '../shared/ndarray/ndarray.js';
import { seededUniform } from '../shared/random/seeded.js';

/** What `simulateLocalisations` makes: a ThunderSTORM-like table and the drift it was given. */
export interface SimulatedLocalisations {
  frame: Int32Array;
  x: Float64Array;
  y: Float64Array;
  /** Present when simulated in 3D. */
  z?: Float64Array;
  /** Per localisation, its precision (the sigma of its position error), nm. */
  uncertainty: Float64Array;
  /** Per frame (1 to frames), the true drift x, y (, z) nm relative to frame 1. */
  drift: number[][];
}

export interface SimulationOptions {
  /** @default 5000 */
  frames?: number;
  /** Emitters placed on the structure. @default 4000 */
  emitters?: number;
  /** Mean localisations per frame at the start (they bleach). @default 30 */
  perFrame?: number;
  /** Structure image pixel size, nm. @default 40 */
  structurePixel?: number;
  /** Localisation precision range, nm (uniform per localisation). @default [10, 15] */
  precision?: [number, number];
  /** Simulate z: emitters spread over a 300 nm slab, z precision 2.5x the lateral. @default false */
  threeD?: boolean;
  /** Fraction of false localisations spread over the field. @default 0.05 */
  background?: number;
  /** @default 1 */
  seed?: number;
}

/**
 * A localisation microscopy acquisition simulated on a real structure: the brightest fifth of a
 * real image's pixels hold emitters (more where brighter), which blink (each on in a frame with a
 * small probability that decays as the dyes bleach), each blink localised with 10-15 nm precision,
 * all of it moved by a smooth stage drift of tens of nm, with 5 % false localisations. Frames are
 * numbered from 1, as ThunderSTORM does.
 */
export function simulateLocalisations(
  structure: NdArray,
  options: SimulationOptions = {},
): SimulatedLocalisations {
  const {
    frames = 5000,
    emitters = 4000,
    perFrame = 30,
    structurePixel = 40,
    precision = [10, 15],
    threeD = false,
    background = 0.05,
    seed = 1,
  } = options;
  const rand = seededUniform(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const [h, w] = [structure.shape[0]!, structure.shape[1]!];
  const values = Array.from(structure.data as ArrayLike<number>);
  const threshold = [...values].sort((a, b) => a - b)[Math.floor(0.8 * values.length)]!;
  const cumulative: number[] = [];
  const pixels: number[] = [];
  let total = 0;
  values.forEach((v, i) => {
    if (v <= threshold) return;
    total += v - threshold;
    cumulative.push(total);
    pixels.push(i);
  });
  const sites = Array.from({ length: emitters }, () => {
    const r = rand() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    const p = pixels[lo]!;
    return [
      ((p % w) + rand()) * structurePixel,
      (Math.floor(p / w) + rand()) * structurePixel,
      150 * gauss(),
    ];
  });
  const drift = Array.from({ length: frames }, (_, k) => {
    const t = k / frames;
    const d = [
      35 * t + 8 * Math.sin((2 * Math.PI * k) / 2500),
      -28 * t * t + 10 * Math.sin((2 * Math.PI * k) / 4000 + 1) - 10 * Math.sin(1),
      18 * t - 6 * Math.sin((2 * Math.PI * k) / 3000),
    ];
    return threeD ? d : d.slice(0, 2);
  });
  const out = {
    frame: [] as number[],
    x: [] as number[],
    y: [] as number[],
    z: [] as number[],
    u: [] as number[],
  };
  const onProbability = perFrame / emitters;
  for (let k = 0; k < frames; k++) {
    const p = onProbability * Math.exp(-k / (2 * frames));
    const d = drift[k]!;
    const emit = (site: number[]): void => {
      const sigma = precision[0] + (precision[1] - precision[0]) * rand();
      out.frame.push(k + 1);
      out.x.push(site[0]! + d[0]! + sigma * gauss());
      out.y.push(site[1]! + d[1]! + sigma * gauss());
      if (threeD) out.z.push(site[2]! + d[2]! + 2.5 * sigma * gauss());
      out.u.push(sigma);
    };
    for (const site of sites) if (rand() < p) emit(site);
    const falseCount = Math.round(
      (background / (1 - background)) * perFrame * Math.exp(-k / (2 * frames)) * rand() * 2,
    );
    for (let f = 0; f < falseCount; f++)
      emit([rand() * w * structurePixel, rand() * h * structurePixel, 300 * (rand() - 0.5)]);
  }
  return {
    frame: Int32Array.from(out.frame),
    x: Float64Array.from(out.x),
    y: Float64Array.from(out.y),
    ...(threeD ? { z: Float64Array.from(out.z) } : {}),
    uncertainty: Float64Array.from(out.u),
    drift,
  };
}

/** The table as ThunderSTORM writes it (quoted header, its column order, one decimal place). */
export function thunderstormCsv(sim: SimulatedLocalisations): string {
  const threeD = sim.z !== undefined;
  const header = [
    'id',
    'frame',
    'x [nm]',
    'y [nm]',
    ...(threeD ? ['z [nm]'] : []),
    'sigma [nm]',
    'intensity [photon]',
    'uncertainty [nm]',
  ];
  const lines = [header.map((h) => `"${h}"`).join(',')];
  for (let i = 0; i < sim.x.length; i++) {
    const z = threeD ? [sim.z![i]!.toFixed(1)] : [];
    const u = sim.uncertainty[i]!;
    lines.push(
      [
        i + 1,
        `${sim.frame[i]}.0`,
        sim.x[i]!.toFixed(1),
        sim.y[i]!.toFixed(1),
        ...z,
        (130 + u).toFixed(1),
        (2e4 / (u * u)).toFixed(1),
        u.toFixed(1),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
