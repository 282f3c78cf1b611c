import { ScratchFloat32 } from './scratch-array.js';

/**
 * The buffers one phase correlation fills and reads before it returns, reused by the next call
 * given the same workspace: the real correlation surface (16 MiB for a 3D stack) and the two
 * buffers the upsampled DFT alternates between. Allocating them anew for every tile made V8
 * collect garbage every few dozen tiles. One workspace per thread (per worker, per function
 * instance): a call uses it synchronously and keeps nothing of it past its return. Without one,
 * `phaseCrossCorrelation` allocates its own.
 */
export class CorrelationWorkspace {
  /** The real integer-grid correlation surface (kept at any size: one per thread). */
  readonly surface = new ScratchFloat32(Number.POSITIVE_INFINITY);
  /** The upsampled DFT's sums and results (`upsampledDftHalf`, `upsampledDftFull`). */
  readonly upsampled: UpsampledScratch = [new ScratchFloat32(), new ScratchFloat32()];
}

/** The two buffers the contractions of the upsampled DFT alternate between. */
export type UpsampledScratch = readonly [ScratchFloat32, ScratchFloat32];
