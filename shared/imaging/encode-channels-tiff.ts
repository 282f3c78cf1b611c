import { MetdbError } from '../errors/metdb-error.js';
import { pixelTypeOf, sizeOf, type NdArray } from '../ndarray/ndarray.js';
import { encodeTiff } from './encode-tiff.js';
import type { ImageChannels } from './image-channels.js';
import { imagejDescription, imagejResolution } from './imagej-description.js';
import { imagejLabelsMetadata } from './imagej-labels.js';
import { omeXml } from './ome-xml.js';
import { toMicrometres } from './pixel-size.js';

export interface EncodeChannelsTiffOptions {
  /** 'ome': OME-TIFF with full OME-XML; 'imagej': an ImageJ hyperstack. @default 'ome' */
  readonly format?: 'ome' | 'imagej';
  /** Image name in the OME-XML. @default 'image' */
  readonly name?: string;
  /** What the planes of each channel are: z planes, or the time points of a series. @default 'z' */
  readonly stackAxis?: 'z' | 't';
  /**
   * A series of volumes (4D, t x z): the time points the planes of each channel hold, time-major
   * (plane = z + Z * t). Written with SizeT / `frames=` and SizeZ / `slices=` (`stackAxis` is then
   * not used). @default 1
   */
  readonly timePoints?: number;
}

/**
 * Writes every channel of an image, with its names and physical size, as one multi-page TIFF:
 * - 'ome': OME-XML (DimensionOrder XYZCT: page = z + Z * c), channel names, PhysicalSizeX/Y/Z;
 *   the resolution tags also carry x and y in pixels per centimetre for readers without OME;
 * - 'imagej': an ImageJ hyperstack (page = c + C * z), `unit=`, `spacing=`, x and y in the
 *   resolution tags, channel names as slice labels of the first C pages.
 * Readers: tifffile (`series[0]` axes CZYX / ZCYX), Fiji, napari.
 *
 * @throws MetdbError `invalid-argument` when the channels differ in shape or type
 */
export function encodeChannelsTiff(
  image: ImageChannels,
  options: EncodeChannelsTiffOptions = {},
): Uint8Array {
  const { format = 'ome', name = 'image', stackAxis = 'z', timePoints = 1 } = options;
  const { channels, pixelSize } = image;
  const first = channels[0];
  if (first === undefined) throw new MetdbError('invalid-argument', 'encodeChannelsTiff: no channels');
  const shape = first.shape;
  const type = pixelTypeOf(first.data);
  if (
    type === 'float64' ||
    channels.some((c) => pixelTypeOf(c.data) !== type || c.shape.join() !== shape.join())
  ) {
    throw new MetdbError(
      'invalid-argument',
      'encodeChannelsTiff: channels must share one shape and pixel type',
      {
        details: { shapes: channels.map((c) => [...c.shape]) },
      },
    );
  }
  const [planes, sizeY, sizeX] = (shape.length === 3 ? shape : [1, ...shape]) as [number, number, number];
  const T = timePoints;
  if (!Number.isInteger(T) || T < 1 || planes % T !== 0) {
    throw new MetdbError(
      'invalid-argument',
      `encodeChannelsTiff: ${planes} planes are not ${T} time points of whole volumes`,
    );
  }
  const sizeZ = planes / T;
  const plane = sizeX * sizeY;
  const C = channels.length;
  const pages = new (first.data.constructor as new (n: number) => Uint8Array | Uint16Array | Float32Array)(
    sizeOf([C * planes, sizeY, sizeX]),
  );
  // Plane p of a channel is (z, t) = (p mod Z, p div Z). OME XYZCT: z, then c, then t; ImageJ: c, then z, then t.
  const pageOf = (c: number, p: number) =>
    format === 'ome' ? (p % sizeZ) + sizeZ * (c + C * Math.floor(p / sizeZ)) : c + C * p;
  channels.forEach((ch, c) => {
    for (let p = 0; p < planes; p++)
      pages.set(ch.data.subarray(p * plane, (p + 1) * plane), pageOf(c, p) * plane);
  });
  const stack: NdArray = {
    data: pages,
    shape: C * planes === 1 ? [sizeY, sizeX] : [C * planes, sizeY, sizeX],
  };
  const names = image.names ?? channels.map(() => null);
  if (format === 'imagej') {
    const labels = names.some((n) => n !== null)
      ? imagejLabelsMetadata(names.map((n) => n ?? ''))
      : undefined;
    const description = imagejDescription(C, sizeZ, pixelSize);
    return encodeTiff(stack, {
      description:
        T > 1
          ? withFrames(description, C, sizeZ, T)
          : stackAxis === 't'
            ? description.replace(/^slices=/m, 'frames=').replace(/^spacing=.*\n/m, '')
            : description,
      resolution: imagejResolution(pixelSize),
      ...(labels === undefined ? {} : { imagejMetadata: labels }),
    });
  }
  const perCm = (v: number) => 1e4 / toMicrometres(v, pixelSize!.unit);
  return encodeTiff(stack, {
    description:
      T > 1
        ? omeXml({ name, sizeX, sizeY, sizeZ, channels: names, pixelType: type, pixelSize })
            .replace('SizeT="1"', `SizeT="${T}"`)
            .replace(/PlaneCount="\d+"/, `PlaneCount="${C * planes}"`)
        : asTimeSeries(
            omeXml({ name, sizeX, sizeY, sizeZ, channels: names, pixelType: type, pixelSize }),
            stackAxis === 't' ? sizeZ : 1,
          ),
    ...(pixelSize === null ? {} : { resolution: { x: perCm(pixelSize.x), y: perCm(pixelSize.y), unit: 3 } }),
  });
}

/** OME-XML whose planes are time points: the same page order (plane fastest, then channel) as XYTCZ. */
function asTimeSeries(xml: string, frames: number): string {
  if (frames <= 1) return xml;
  return xml
    .replace('DimensionOrder="XYZCT"', 'DimensionOrder="XYTCZ"')
    .replace(`SizeZ="${frames}"`, 'SizeZ="1"')
    .replace('SizeT="1"', `SizeT="${frames}"`);
}

/** An ImageJ description of C channels x Z slices with T frames: images=, frames= and hyperstack=true. */
function withFrames(description: string, C: number, Z: number, T: number): string {
  const lines = description.trimEnd().split('\n');
  const frames = [`frames=${T}`, ...(lines.includes('hyperstack=true') ? [] : ['hyperstack=true'])];
  let after = 0;
  for (const [k, l] of lines.entries()) if (/^(images|channels|slices)=/.test(l)) after = k;
  lines.splice(after + 1, 0, ...frames);
  return `${lines.map((l) => (l.startsWith('images=') ? `images=${C * Z * T}` : l)).join('\n')}\n`;
}
