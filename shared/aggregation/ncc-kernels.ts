import { pixelTypeOf, type PixelArray } from '../ndarray/ndarray.js';
import { NCC_KERNELS_BASE64 } from './ncc-kernels.generated.js';

/**
 * The whole-image NCC's row sums in WebAssembly SIMD (two pixels per float64x2 instruction), for
 * `normalizedCrossCorrelation` over the valid overlap with 1, 2 or 4 interpolation taps and both
 * images of the same pixel type. V8 runs the JavaScript rows one pixel at a time: a 2048² uint16
 * pair "before" and "after" took 37-47 ms there, on a local run's main thread (its largest
 * cost), and takes 15-20 ms here, copies included (ADR 0007). The kernels
 * (scripts/build-ncc-kernels.ts) read the pixels from their own memory: the rows are copied there
 * in chunks of about 256 KiB, as they are reached, so the memory stays small and the chunk in
 * the cache. The sums are the same up to the order of the additions (two lanes).
 */

/** Adds the sums of `2 * pairs` pixels (see scripts/build-ncc-kernels.ts). */
type RowKernel = (
  a: number,
  b: number,
  pairs: number,
  o0: number,
  o1: number,
  o2: number,
  o3: number,
  w0: number,
  w1: number,
  w2: number,
  w3: number,
  pivotA: number,
  pivotB: number,
) => void;

/** Pixels of a chunk of `a` (the rows' span; more for a single longer row). */
const CHUNK = 1 << 17;
/** Past this much memory (a chunk of a and of b, with the taps' reach) the JavaScript rows run. */
const MAX_BYTES = 64 * 1024 * 1024;
/** Bytes before the pixels: the five sums. */
const HEADER = 64;
const PAGE = 65536;

/** What this module uses of the WebAssembly global (TypeScript's ES lib does not declare it). */
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** Undefined where WebAssembly is off (`--jitless`): the JavaScript rows then run. */
const wasm = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

interface Kernels {
  readonly memory: WasmMemory;
  readonly rows: Readonly<Record<string, RowKernel>>;
}

/** Compiled on first use, once per thread; null where WebAssembly SIMD is not supported. */
let kernels: Kernels | null | undefined;

function loadKernels(): Kernels | null {
  if (kernels !== undefined) return kernels;
  const bytes = Buffer.from(NCC_KERNELS_BASE64, 'base64');
  if (wasm === undefined || !wasm.validate(bytes)) return (kernels = null);
  const memory = new wasm.Memory({ initial: 1 });
  const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
  return (kernels = { memory, rows: instance.exports as unknown as Record<string, RowKernel> });
}

/**
 * The rows of one NCC in the kernels: `add(a0, run)` adds the sums of the longest even part of
 * the row of `run` pixels of `a` from flat index `a0` (and of the interpolated `b` at the taps)
 * and returns how many pixels it took; `sums()` the five sums so far (a, b, aa, bb, ab about the
 * pivots). The rows must come in increasing order, as the row odometer gives them.
 */
export interface SimdRows {
  add(a0: number, run: number): number;
  sums(): Float64Array;
}

/**
 * Sets up the kernels for `a` and `b` (same pixel type) with these taps (flat offsets into `b`
 * from the compared position of `a`, 1, 2 or 4 of them) and pivots; undefined when they cannot
 * serve: another pixel type or tap count, or no WebAssembly SIMD. A row whose chunk would pass
 * `maxBytes` (default `MAX_BYTES`) is declined (`add` returns 0) and left to the JavaScript rows.
 */
export function simdRows(
  ad: PixelArray,
  bd: PixelArray,
  tapOffset: Int32Array,
  tapWeight: Float64Array,
  pivotA: number,
  pivotB: number,
  maxBytes = MAX_BYTES,
): SimdRows | undefined {
  const type = pixelTypeOf(ad);
  const taps = tapOffset.length;
  if (type === undefined || pixelTypeOf(bd) !== type || (taps !== 1 && taps !== 2 && taps !== 4))
    return undefined;
  const k = loadKernels();
  if (k === null) return undefined;
  const kernel = k.rows[`rows_${type}_${taps}`]!;
  const size = ad.BYTES_PER_ELEMENT;
  let lowest = tapOffset[0]!;
  let highest = lowest;
  for (const o of tapOffset) {
    lowest = Math.min(lowest, o);
    highest = Math.max(highest, o);
  }
  const reach = highest - lowest;
  const o = (t: number) => ((tapOffset[t] ?? tapOffset[0]!) - lowest) * size;
  const w = (t: number) => tapWeight[t] ?? 0;
  const [o0, o1, o2, o3] = [o(0), o(1), o(2), o(3)];
  const [w0, w1, w2, w3] = [w(0), w(1), w(2), w(3)];
  new Float64Array(k.memory.buffer, 0, 5).fill(0);
  // The chunk in memory: a[from, to) at HEADER, b[from + lowest, to + highest) after it (none yet).
  let from = 0;
  let to = -1;
  let bBase = 0;
  const load = (a0: number, run: number): boolean => {
    to = -1; // nothing usable in memory until the copies are done
    const end = Math.min(ad.length, Math.max(a0 + CHUNK, a0 + run));
    const base = HEADER + Math.ceil(((end - a0) * size) / 16) * 16;
    const needed = base + (end - a0 + reach) * size;
    if (needed > maxBytes) return false;
    if (needed > k.memory.buffer.byteLength) {
      try {
        k.memory.grow(Math.ceil((needed - k.memory.buffer.byteLength) / PAGE));
      } catch {
        return false; // no memory to grow into: the JavaScript rows take these
      }
    }
    [from, to, bBase] = [a0, end, base];
    const View = ad.constructor as new (buffer: ArrayBuffer, offset: number, length: number) => PixelArray;
    new View(k.memory.buffer, HEADER, to - from).set(ad.subarray(from, to));
    const bFrom = from + lowest;
    const bTo = Math.min(bd.length, to + highest);
    new View(k.memory.buffer, bBase, bTo - bFrom).set(bd.subarray(bFrom, bTo));
    return true;
  };
  return {
    add(a0, run) {
      if (a0 + run > to && !load(a0, run)) return 0;
      const pairs = run >> 1;
      const at = (a0 - from) * size;
      kernel(HEADER + at, bBase + at, pairs, o0, o1, o2, o3, w0, w1, w2, w3, pivotA, pivotB);
      return 2 * pairs;
    },
    sums: () => new Float64Array(k.memory.buffer, 0, 5).slice(),
  };
}
