/** What the pages of a multi-page file are, as its metadata says. */
export interface StackAxes {
  /** Time points, z planes and channels; t x z x c = the pages. */
  readonly t: number;
  readonly z: number;
  readonly c: number;
  /** Where the sizes come from: an ImageJ description, OME-XML, or nothing (`pages`). */
  readonly source: 'imagej' | 'ome' | 'pages';
}

/** How the pages of a stack are registered: as the frames of a time series, or as one volume. */
export type StackAxis = 't' | 'z';

/**
 * The axes of a multi-page TIFF from its ImageDescription: ImageJ's `frames=`, `slices=` and
 * `channels=` (absent ones are 1), or OME-XML's `SizeT`, `SizeZ` and `SizeC`; sizes that do not
 * multiply to the page count are ignored. Without either, every page is of an unknown axis:
 * `{ t: 1, z: pages, c: 1, source: 'pages' }`.
 */
export function stackAxes(description: string | undefined, pages: number): StackAxes {
  const plain: StackAxes = { t: 1, z: pages, c: 1, source: 'pages' };
  if (description === undefined) return plain;
  if (description.startsWith('ImageJ=')) {
    const field = (key: string): number =>
      Number(new RegExp(`^${key}=(\\d+)`, 'm').exec(description)?.[1] ?? 1);
    const [t, z, c] = [field('frames'), field('slices'), field('channels')];
    return t * z * c === pages ? { t, z, c, source: 'imagej' } : plain;
  }
  const pixels = /<(?:\w+:)?Pixels\b([^>]*)>/.exec(description)?.[1];
  if (pixels === undefined) return plain;
  const attr = (name: string): number =>
    Number(new RegExp(`\\b${name}\\s*=\\s*"(\\d+)"`).exec(pixels)?.[1] ?? 1);
  const [t, z, c] = [attr('SizeT'), attr('SizeZ'), attr('SizeC')];
  return t * z * c === pages ? { t, z, c, source: 'ome' } : plain;
}

/**
 * Whether a multi-page file's pages are registered as a time series (`t`) or as a volume (`z`):
 * - `override` (a dataset's `metdb.json` "stackAxis") decides when given;
 * - metadata that names the axis decides next: frames/SizeT > 1 with one plane each is a time
 *   series, slices/SizeZ > 1 with one time point a volume (both > 1: a 4D series of volumes, `t`);
 * - with no axis metadata, a file that is the only image of its dataset is a time series (there
 *   is nothing else to register it against), one of several multi-page files a volume.
 */
export function seriesAxis(axes: StackAxes, imagesInDataset: number, override?: StackAxis): StackAxis {
  if (override !== undefined) return override;
  if (axes.source !== 'pages') {
    if (axes.t > 1) return 't';
    if (axes.z > 1) return 'z';
  }
  return imagesInDataset <= 1 ? 't' : 'z';
}
