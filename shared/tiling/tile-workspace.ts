import { sizeOf, type PixelArray } from '../ndarray/ndarray.js';
import { CorrelationWorkspace } from '../registration/correlation-workspace.js';
import { DirectWorkspace } from '../registration/refine-shift-direct.js';
import { ScratchFloat64 } from '../registration/scratch-array.js';
import { TileSignalWorkspace } from './tile-signal-workspace.js';

/**
 * Everything `registerTile` and the tile's measurement fill and read before they return, kept
 * from one tile to the next by whoever registers many tiles on one thread: the pipeline's worker
 * (one per worker thread) and the registerTile function (one per instance) each make one and
 * pass it to every tile. Allocating these for every tile (five arrays of 128 KiB for a 128²
 * tile) made V8 collect garbage every few dozen tiles, a third of a core beside one registering
 * thread. A call uses the workspace synchronously and keeps nothing of it past its return; two
 * threads never share one.
 */
export class TileWorkspace {
  /** The phase correlation's surface and upsampled DFT. */
  readonly correlation = new CorrelationWorkspace();
  /** `tileSignal`'s samples and count tables. */
  readonly signal = new TileSignalWorkspace();
  /** The moving tile centred and windowed, which the correlation consumes at once. */
  readonly windowed = new ScratchFloat64();
  /** The refinement's mean-removed and Fourier-shifted moving tiles. */
  readonly centred = new ScratchFloat64();
  readonly shifted = new ScratchFloat64();
  /** The direct refinement's smoothed tiles, spline coefficients and gradients. */
  readonly direct = new DirectWorkspace();
  private pixels: PixelArray | undefined;

  /**
   * A buffer of the pixel type of `like` for a tile of `size`, to cut the moving tile into: it is
   * registered, and its pixels dropped, before the next is cut.
   */
  tileBuffer(like: PixelArray, size: readonly number[]): PixelArray {
    const length = sizeOf(size);
    if (this.pixels?.constructor !== like.constructor || this.pixels.length < length) {
      this.pixels = new (like.constructor as new (n: number) => PixelArray)(length);
    }
    return this.pixels;
  }
}
