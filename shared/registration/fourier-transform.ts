import { sizeOf, type NdArray } from '../ndarray/ndarray.js';
import type { ComplexNdArray } from './complex-ndarray.js';
import { fftnInPlace } from './fft/fftn.js';
import { HeapBuffer } from './fft/pffft-module.js';

/**
 * N-D discrete Fourier transform of a real image or a complex array, any size (numpy's
 * `fft.fftn`: unnormalised forward, full spectrum, frequencies in fftfreq order), in single
 * precision. Its output is what `phaseCrossCorrelation(..., { space: 'fourier' })` takes.
 */
export function fftn(input: NdArray | ComplexNdArray): ComplexNdArray {
  return transform(input, 'forward');
}

/** Inverse N-D DFT, normalised by 1/N like numpy's `fft.ifftn`. */
export function ifftn(input: NdArray | ComplexNdArray): ComplexNdArray {
  return transform(input, 'backward');
}

function transform(input: NdArray | ComplexNdArray, direction: 'forward' | 'backward'): ComplexNdArray {
  const size = sizeOf(input.shape);
  const buffer = new HeapBuffer(2 * size);
  try {
    const v = buffer.view;
    if ('complex' in input) {
      v.set(input.data);
    } else {
      const d = input.data;
      for (let i = 0; i < size; i++) {
        v[2 * i] = d[i]!;
        v[2 * i + 1] = 0;
      }
    }
    fftnInPlace(buffer, input.shape, direction);
    const out = Float32Array.from(buffer.view);
    if (direction === 'backward') for (let i = 0; i < out.length; i++) out[i] = out[i]! / size;
    return { complex: true, data: out, shape: [...input.shape] };
  } finally {
    buffer.free();
  }
}
