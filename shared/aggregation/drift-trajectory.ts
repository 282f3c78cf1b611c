import { MetdbError } from '../errors/metdb-error.js';

/** One frame of a series and its registration shift onto the series' reference. */
export interface FrameShift {
  /** Frame number (time order), any integers, unique. */
  readonly frame: number;
  /** Shift registering this frame onto the reference, pixels, axis order (z,) y, x. */
  readonly shift: readonly number[];
}

export interface DriftPoint {
  frame: number;
  /** The input shift (registers the frame onto the reference), pixels. */
  shift: number[];
  /** Sample drift: where the content has moved relative to the reference, `-shift`, pixels. */
  drift: number[];
  /** Drift since the previous frame, pixels (zeros for the first frame). */
  step: number[];
  /** Path length travelled since the first frame, sum of |step|, pixels. */
  pathLength: number;
  /** |step| / (frame - previous frame), pixels per frame (0 for the first frame). */
  speed: number;
}

/**
 * The drift trajectory of a series from each frame's registration shift: frames in time order
 * with the drift, the step from the previous frame, the travelled path length and the speed.
 * Pure and deterministic; the input order does not matter.
 *
 * @throws MetdbError 'invalid-argument' for duplicate frames or shifts of different lengths
 */
export function driftTrajectory(shifts: readonly FrameShift[]): DriftPoint[] {
  const sorted = [...shifts].sort((a, b) => a.frame - b.frame);
  const ndim = sorted[0]?.shift.length ?? 0;
  sorted.forEach((s, i) => {
    if (s.shift.length !== ndim || !Number.isFinite(s.frame) || (i > 0 && s.frame === sorted[i - 1]!.frame)) {
      throw new MetdbError('invalid-argument', `driftTrajectory: bad or duplicate frame ${s.frame}`, {
        details: { frame: s.frame },
      });
    }
  });
  let pathLength = 0;
  return sorted.map((s, i) => {
    const drift = s.shift.map((v) => (v === 0 ? 0 : -v));
    const previous = sorted[i - 1];
    const step = previous === undefined ? drift.map(() => 0) : drift.map((d, a) => d + previous.shift[a]!);
    const length = Math.hypot(...step);
    pathLength += length;
    const speed = previous === undefined ? 0 : length / (s.frame - previous.frame);
    return { frame: s.frame, shift: [...s.shift], drift, step, pathLength, speed };
  });
}
