import type { ImageRow } from '../records/database-schema.js';
import { seriesAxis, type StackAxis } from './stack-axes.js';

/** How a file's planes are registered: one 2D image, one volume, or a time series of frames. */
export interface StackReading {
  readonly kind: 'image' | 'volume' | 'series';
  /** Frames of a series (1 otherwise). */
  readonly frames: number;
  /** The shape of one frame (series) or of the image, (z,) y, x. */
  readonly frameShape: number[];
}

export interface StackReadingContext {
  /**
   * Images the dataset holds (ingested, or expected: a local run knows its folder): with no axis
   * metadata, the only image of its dataset is a series, one of several a volume.
   */
  readonly imagesInDataset: number;
  /** `metdb.json` "stackAxis": overrides the file. */
  readonly stackAxis?: StackAxis | undefined;
  /**
   * The dataset names a reference image in `metdb.json`: a file without axis metadata is then one
   * of several to register onto it, a volume.
   */
  readonly namedReference?: boolean;
}

/**
 * Reads an ingested image row's planes (`depth`, with the 0006 axis columns) by the rules of
 * `seriesAxis`: the override, then the file's metadata (frames/SizeT > 1: a series, of volumes
 * when slices/SizeZ > 1 too), then the dataset (the only image: a series). A series of volumes
 * (4D, t x z) has 3D frames of `size_z` planes.
 */
export function readStackAs(image: ImageRow, context: StackReadingContext): StackReading {
  const planes = image.depth ?? 1;
  const yx = [image.height ?? 1, image.width ?? 1];
  if (planes <= 1) return { kind: 'image', frames: 1, frameShape: yx };
  const source = image.axes_source ?? 'pages';
  const t = image.size_t ?? 1;
  const z = image.size_z ?? planes;
  const stated = source !== 'pages' && t * z === planes;
  const axes = stated
    ? { t, z, c: 1, source: source === 'ome' ? ('ome' as const) : ('imagej' as const) }
    : { t: 1, z: planes, c: 1, source: 'pages' as const };
  const others = context.namedReference === true && !stated ? 2 : context.imagesInDataset;
  const axis = seriesAxis(axes, others, context.stackAxis);
  if (axis === 'z') return { kind: 'volume', frames: 1, frameShape: [planes, ...yx] };
  // An override to `t` of a file whose metadata says t x z keeps its volumes; otherwise every plane is a frame.
  if (stated && t > 1 && z > 1) return { kind: 'series', frames: t, frameShape: [z, ...yx] };
  return { kind: 'series', frames: planes, frameShape: yx };
}

/** One line on how a file was read: "5 frames (t) of 201 x 199, uint16". */
export function describeReading(reading: StackReading, pixelType: string | null): string {
  const [x, y] = [reading.frameShape.at(-1), reading.frameShape.at(-2)];
  const type = pixelType ?? 'unknown type';
  if (reading.kind === 'image') return `1 image of ${x} x ${y}, ${type}`;
  if (reading.kind === 'volume')
    return `1 volume of ${reading.frameShape[0]} planes (z) of ${x} x ${y}, ${type}`;
  const of =
    reading.frameShape.length === 3 ? `volumes of ${reading.frameShape[0]} x ${y} x ${x}` : `${x} x ${y}`;
  return `${reading.frames} frames (t) of ${of}, ${type}`;
}
