/**
 * Generates shared/aggregation/ncc-kernels.generated.ts: the WebAssembly SIMD row kernels of the
 * whole-image NCC (see shared/aggregation/ncc-kernels.ts), written here as WebAssembly text,
 * assembled with wabt (a dev dependency) and embedded as base64, so that nothing is compiled or
 * loaded from a file at run time.
 *
 *   node --import tsx scripts/build-ncc-kernels.ts   (npm run build:kernels)
 *
 * One function per pixel type of both images (uint8, uint16, float32, float64) and number of
 * interpolation taps (1, 2, 4): `rows_<type>_<taps>(a, b, pairs, o0..o3, w0..w3, pivotA,
 * pivotB)` adds, over `2 * pairs` pixels from byte address `a`, the sums of (a - pivotA) and of
 * (b' - pivotB), their squares and their product, into the five float64 at address 0, where
 * b' = w0 b[o0] + w1 b[o1] + ... (byte offsets from `b`, which moves with `a`). Two pixels at a
 * time in float64x2 lanes; the caller adds an odd last pixel itself. Integers are widened with
 * zero extension and converted as signed int32 (exact below 2^31): x64 has that conversion in one
 * instruction, the unsigned one takes several. A test checks that the committed file is what
 * this script generates.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

export const KERNEL_TYPES = {
  uint8: {
    size: 1,
    load: (p: string) =>
      `(f64x2.convert_low_i32x4_s (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load16_splat ${p}))))`,
  },
  uint16: {
    size: 2,
    load: (p: string) => `(f64x2.convert_low_i32x4_s (i32x4.extend_low_i16x8_u (v128.load32_zero ${p})))`,
  },
  float32: { size: 4, load: (p: string) => `(f64x2.promote_low_f32x4 (v128.load64_zero ${p}))` },
  float64: { size: 8, load: (p: string) => `(v128.load ${p})` },
} as const;

export const KERNEL_TAPS = [1, 2, 4] as const;

/** Sums in memory: a, b, aa, bb, ab (float64, bytes 0-39). */
const SUMS = ['sa', 'sb', 'saa', 'sbb', 'sab'] as const;

function kernel(type: keyof typeof KERNEL_TYPES, taps: number): string {
  const { size, load } = KERNEL_TYPES[type];
  const tap = (t: number) =>
    `(f64x2.mul (local.get $w${t}) ${load(`(i32.add (local.get $b) (local.get $o${t}))`)})`;
  // Left to right, as the JavaScript rows add them.
  let interpolated = tap(0);
  for (let t = 1; t < taps; t++) interpolated = `(f64x2.add ${interpolated} ${tap(t)})`;
  const fold = SUMS.map(
    (s, k) =>
      `    (f64.store (i32.const ${8 * k}) (f64.add (f64.load (i32.const ${8 * k})) ` +
      `(f64.add (f64x2.extract_lane 0 (local.get $${s})) (f64x2.extract_lane 1 (local.get $${s})))))`,
  );
  return `  (func (export "rows_${type}_${taps}")
    (param $a i32) (param $b i32) (param $pairs i32)
    (param $o0 i32) (param $o1 i32) (param $o2 i32) (param $o3 i32)
    (param $fw0 f64) (param $fw1 f64) (param $fw2 f64) (param $fw3 f64)
    (param $pivotA f64) (param $pivotB f64)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $pa v128) (local $pb v128) (local $da v128) (local $db v128)
    (local $sa v128) (local $sb v128) (local $saa v128) (local $sbb v128) (local $sab v128)
    (local $end i32)
    (local.set $w0 (f64x2.splat (local.get $fw0)))
    (local.set $w1 (f64x2.splat (local.get $fw1)))
    (local.set $w2 (f64x2.splat (local.get $fw2)))
    (local.set $w3 (f64x2.splat (local.get $fw3)))
    (local.set $pa (f64x2.splat (local.get $pivotA)))
    (local.set $pb (f64x2.splat (local.get $pivotB)))
    (local.set $end (i32.add (local.get $a) (i32.mul (local.get $pairs) (i32.const ${2 * size}))))
    (block $done
      (loop $pair
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $da (f64x2.sub ${load('(local.get $a)')} (local.get $pa)))
        (local.set $db (f64x2.sub ${interpolated} (local.get $pb)))
        (local.set $sa (f64x2.add (local.get $sa) (local.get $da)))
        (local.set $sb (f64x2.add (local.get $sb) (local.get $db)))
        (local.set $saa (f64x2.add (local.get $saa) (f64x2.mul (local.get $da) (local.get $da))))
        (local.set $sbb (f64x2.add (local.get $sbb) (f64x2.mul (local.get $db) (local.get $db))))
        (local.set $sab (f64x2.add (local.get $sab) (f64x2.mul (local.get $da) (local.get $db))))
        (local.set $a (i32.add (local.get $a) (i32.const ${2 * size})))
        (local.set $b (i32.add (local.get $b) (i32.const ${2 * size})))
        (br $pair)))
${fold.join('\n')})`;
}

/** The module's text: every kernel, importing its memory as env.memory. */
export function nccKernelsWat(): string {
  const kernels: string[] = [];
  for (const type of Object.keys(KERNEL_TYPES) as (keyof typeof KERNEL_TYPES)[]) {
    for (const taps of KERNEL_TAPS) kernels.push(kernel(type, taps));
  }
  return `(module\n  (import "env" "memory" (memory 1))\n${kernels.join('\n')})\n`;
}

/** The generated TypeScript module: the assembled bytes, base64. */
export async function nccKernelsModule(): Promise<string> {
  const wabt = await wabtInit();
  const parsed = wabt.parseWat('ncc-kernels.wat', nccKernelsWat(), { simd: true });
  try {
    parsed.validate();
    const { buffer } = parsed.toBinary({});
    const base64 = Buffer.from(buffer).toString('base64');
    const lines = base64.match(/.{1,96}/g) ?? [];
    return (
      '// Generated by scripts/build-ncc-kernels.ts (npm run build:kernels): do not edit.\n' +
      '/** The WebAssembly module of the NCC row kernels (see ncc-kernels.ts), base64. */\n' +
      `export const NCC_KERNELS_BASE64 =\n${lines.map((l) => `  '${l}'`).join(' +\n')};\n`
    );
  } finally {
    parsed.destroy();
  }
}

export const GENERATED = new URL('../shared/aggregation/ncc-kernels.generated.ts', import.meta.url);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(GENERATED, await nccKernelsModule());
  console.log(`wrote ${fileURLToPath(GENERATED)}`);
}
