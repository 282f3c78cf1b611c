import { MetdbError } from '../../errors/metdb-error.js';

/**
 * Small guards for hand-validated options objects (no schema library in the numerical core).
 * Every failure is a permanent MetdbError naming the option.
 */

/** The floating-point type of a result. */
export type OutputDtype = 'float32' | 'float64';

/** Rejects an options value that is not a plain object, and any key not in `allowed` ('unknown-option'). */
export function checkOptionKeys(options: unknown, allowed: readonly string[], where: string): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new MetdbError('invalid-argument', `${where}: options must be an object`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new MetdbError(
        'unknown-option',
        `${where}: unknown option '${key}' (known: ${allowed.join(', ')})`,
        {
          details: { option: key, known: [...allowed] },
        },
      );
    }
  }
}

/** A finite number within [min, max] (inclusive), or the default when undefined. */
export function checkNumber(
  value: unknown,
  fallback: number,
  name: string,
  min = -Infinity,
  max = Infinity,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new MetdbError(
      'invalid-argument',
      `option ${name} must be a finite number in [${min}, ${max}], got ${JSON.stringify(value)}`,
      {
        details: { option: name, value },
      },
    );
  }
  return value;
}

/** One of the allowed strings, or the default when undefined. */
export function checkChoice<T extends string>(
  value: unknown,
  fallback: T,
  name: string,
  choices: readonly T[],
): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new MetdbError(
      'invalid-argument',
      `option ${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`,
      {
        details: { option: name, value },
      },
    );
  }
  return value as T;
}

/** The `dtype` option: 'float32' or 'float64' (the default). */
export function checkDtype(value: unknown): OutputDtype {
  return checkChoice<OutputDtype>(value, 'float64', 'dtype', ['float32', 'float64']);
}

/** A new zeroed array of the requested floating-point type. */
export function allocate(dtype: OutputDtype, length: number): Float32Array | Float64Array {
  return dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
}
