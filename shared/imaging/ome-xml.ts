import { escapeXml } from './escape-xml.js';
import type { PixelSize } from './pixel-size.js';

export interface OmeXmlOptions {
  /** Image name (shown by viewers). @default 'image' */
  readonly name?: string;
  /** Pixels along x, y and planes along z of each channel. */
  readonly sizeX: number;
  readonly sizeY: number;
  readonly sizeZ: number;
  /** One entry per channel, in order: its name or null. */
  readonly channels: readonly (string | null)[];
  readonly pixelType: 'uint8' | 'uint16' | 'float32';
  /** Physical pixel size (written as PhysicalSizeX/Y/Z with their units), or null. */
  readonly pixelSize: PixelSize | null;
  /** Software named in `Creator`. @default 'metdb' */
  readonly creator?: string;
}

const OME_TYPES = { uint8: 'uint8', uint16: 'uint16', float32: 'float' } as const;

/**
 * OME-XML (schema 2016-06) for one image stored as one TIFF page per plane, planes in
 * `DimensionOrder` XYZCT (z fastest, then channel): page = z + sizeZ * c, one sample per pixel.
 * Readers: Bio-Formats (Fiji, napari-aicsimageio), tifffile, OMERO.
 */
export function omeXml(options: OmeXmlOptions): string {
  const { name = 'image', sizeX, sizeY, sizeZ, channels, pixelType, pixelSize, creator = 'metdb' } = options;
  const size =
    pixelSize === null
      ? ''
      : [
          ` PhysicalSizeX="${pixelSize.x}" PhysicalSizeXUnit="${pixelSize.unit}"`,
          ` PhysicalSizeY="${pixelSize.y}" PhysicalSizeYUnit="${pixelSize.unit}"`,
          pixelSize.z === null ? '' : ` PhysicalSizeZ="${pixelSize.z}" PhysicalSizeZUnit="${pixelSize.unit}"`,
        ].join('');
  const channelXml = channels
    .map(
      (n, c) =>
        `<Channel ID="Channel:0:${c}"${n === null ? '' : ` Name="${escapeXml(n)}"`} SamplesPerPixel="1"><LightPath/></Channel>`,
    )
    .join('');
  const planes = sizeZ * channels.length;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" ' +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
    'xsi:schemaLocation="http://www.openmicroscopy.org/Schemas/OME/2016-06 http://www.openmicroscopy.org/Schemas/OME/2016-06/ome.xsd" ' +
    `Creator="${escapeXml(creator)}">` +
    `<Image ID="Image:0" Name="${escapeXml(name)}">` +
    `<Pixels ID="Pixels:0" DimensionOrder="XYZCT" Type="${OME_TYPES[pixelType]}" BigEndian="false" Interleaved="false" ` +
    `SizeX="${sizeX}" SizeY="${sizeY}" SizeZ="${sizeZ}" SizeC="${channels.length}" SizeT="1"${size}>` +
    channelXml +
    `<TiffData IFD="0" PlaneCount="${planes}"/>` +
    '</Pixels></Image></OME>'
  );
}
