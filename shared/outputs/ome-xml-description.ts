import type { PixelType } from '../ndarray/ndarray.js';

export interface OmeXmlDescriptionOptions {
  readonly name: string;
  readonly sizeX: number;
  readonly sizeY: number;
  /** Channels, one TIFF page each (DimensionOrder XYCZT). */
  readonly sizeC: number;
  readonly pixelType: Extract<PixelType, 'uint8' | 'uint16' | 'float32'>;
  /** Pixel size along x and y, micrometres; omitted when unknown. */
  readonly physicalSizeX?: number;
  readonly physicalSizeY?: number;
}

/**
 * A minimal OME-XML document (2016-06 schema) for the ImageDescription of a single-image
 * OME-TIFF whose pages are the channels of one plane: what Bio-Formats, Fiji and tifffile need to
 * read the channels and the pixel size.
 */
export function omeXmlDescription(options: OmeXmlDescriptionOptions): string {
  const { name, sizeX, sizeY, sizeC, pixelType, physicalSizeX, physicalSizeY } = options;
  const physical =
    physicalSizeX !== undefined && physicalSizeY !== undefined
      ? ` PhysicalSizeX="${physicalSizeX}" PhysicalSizeXUnit="µm" PhysicalSizeY="${physicalSizeY}" PhysicalSizeYUnit="µm"`
      : '';
  const channels = Array.from(
    { length: sizeC },
    (_, c) => `<Channel ID="Channel:0:${c}" SamplesPerPixel="1"/>`,
  ).join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" ' +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
    'xsi:schemaLocation="http://www.openmicroscopy.org/Schemas/OME/2016-06 http://www.openmicroscopy.org/Schemas/OME/2016-06/ome.xsd" ' +
    'Creator="Met-db">' +
    `<Image ID="Image:0" Name="${escapeXml(name)}">` +
    `<Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="${pixelType}" SizeX="${sizeX}" SizeY="${sizeY}" SizeC="${sizeC}" SizeZ="1" SizeT="1" BigEndian="false"${physical}>` +
    `${channels}<TiffData IFD="0" PlaneCount="${sizeC}"/>` +
    '</Pixels></Image></OME>'
  );
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
