import type { TiffStructure } from './tiff-structure.js';

/** How a TIFF's pages map to channels and z planes. */
export interface TiffPageLayout {
  /** Channels stored as separate pages (ImageJ hyperstack or OME-TIFF); 1 when pages are planes. */
  readonly pageChannels: number;
  /** Where the channel split came from. */
  readonly source: 'imagej' | 'ome' | 'pages';
  /** The pages holding one page channel, in output z order (time outer, z inner). */
  readonly pagesOf: (pageChannel: number) => number[];
}

/**
 * Decides which pages form the stack:
 * - pages that differ from the first (size, samples, bit depth, sample format, photometric) or are
 *   marked reduced-resolution (thumbnails, pyramid levels) are left out;
 * - with one sample per pixel, an ImageJ description (`channels=C` with C x slices x frames = pages,
 *   channel fastest) or an OME-XML `<Pixels>` (SizeC > 1, SizeC x SizeZ x SizeT = pages, planes in
 *   `DimensionOrder`) makes the pages C channels; otherwise every page is a z plane.
 */
export function tiffPageLayout(structure: TiffStructure): TiffPageLayout {
  const { pages, description } = structure;
  const p0 = pages[0];
  const planes = pages
    .map((p, i) => ({ p, i }))
    .filter(
      ({ p, i }) =>
        i === 0 ||
        (p0 !== undefined &&
          (p.subfileType & 1) === 0 &&
          p.width === p0.width &&
          p.height === p0.height &&
          p.samplesPerPixel === p0.samplesPerPixel &&
          p.bitsPerSample === p0.bitsPerSample &&
          p.sampleFormat === p0.sampleFormat &&
          p.photometric === p0.photometric),
    )
    .map(({ i }) => i);
  const plain: TiffPageLayout = { pageChannels: 1, source: 'pages', pagesOf: () => planes };
  if (
    p0 === undefined ||
    p0.samplesPerPixel !== 1 ||
    planes.length !== pages.length ||
    description === undefined
  )
    return plain;
  const n = pages.length;

  if (description.startsWith('ImageJ=')) {
    const field = (key: string): number =>
      Number(new RegExp(`^${key}=(\\d+)`, 'm').exec(description)?.[1] ?? 1);
    const c = field('channels');
    if (c > 1 && c * field('slices') * field('frames') === n) {
      return {
        pageChannels: c,
        source: 'imagej',
        pagesOf: (ch) => Array.from({ length: n / c }, (_, k) => ch + c * k),
      };
    }
    return plain;
  }

  const pixels = /<(?:\w+:)?Pixels\b([^>]*)>/.exec(description)?.[1];
  if (pixels !== undefined) {
    const attr = (name: string): string | undefined =>
      new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`).exec(pixels)?.[1];
    const size = {
      C: Number(attr('SizeC') ?? 1),
      Z: Number(attr('SizeZ') ?? 1),
      T: Number(attr('SizeT') ?? 1),
    };
    const order = attr('DimensionOrder') ?? 'XYZCT';
    if (size.C > 1 && size.C * size.Z * size.T === n && /^XY(?!.*(.).*\1)[ZCT]{3}$/.test(order)) {
      const stride: Record<string, number> = {};
      let s = 1;
      for (const axis of order.slice(2)) {
        stride[axis] = s;
        s *= size[axis as 'C' | 'Z' | 'T'];
      }
      const [sc, sz, st] = [stride.C ?? 0, stride.Z ?? 0, stride.T ?? 0];
      return {
        pageChannels: size.C,
        source: 'ome',
        pagesOf: (ch) => {
          const out: number[] = [];
          for (let t = 0; t < size.T; t++)
            for (let z = 0; z < size.Z; z++) out.push(ch * sc + z * sz + t * st);
          return out;
        },
      };
    }
  }
  return plain;
}
