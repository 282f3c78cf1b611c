import { ScratchFloat64 } from '../registration/scratch-array.js';

/**
 * The buffers `tileSignal` fills and reads before it returns, reused by the next call given the
 * same workspace: the samples and first differences of the general path, and the count tables of
 * the 8/16-bit path (768 KiB, allocated on first use and kept zeroed between calls: each user
 * clears the bins it filled). One per thread; without one, `tileSignal` makes its own.
 */
export class TileSignalWorkspace {
  readonly samples = new ScratchFloat64();
  readonly differences = new ScratchFloat64();
  /** The general path's histogram of integer values (grown on demand, zeroed by each user). */
  histogram = new Int32Array(0);
  private counted: CountTables | undefined;

  /** The 8/16-bit path's count tables. */
  get tables(): CountTables {
    this.counted ??= {
      values: new Int32Array(1 << 16),
      differences: new Int32Array(1 << 17),
      deviations: new Int32Array(0),
    };
    return this.counted;
  }
}

/**
 * Count tables of `countedTileSignal`: values (8/16-bit pixels), differences of such pixels
 * (offset by the pixel range), deviations from their median.
 */
export interface CountTables {
  readonly values: Int32Array;
  readonly differences: Int32Array;
  deviations: Int32Array;
}
