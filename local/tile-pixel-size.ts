import { readFile } from 'node:fs/promises';
import { readTiffStructure } from '../shared/imaging/tiff-structure.js';

/**
 * The pixel size of a tile, micrometres, from the OME-XML of a TIFF's ImageDescription
 * (`PhysicalSizeX/Y`, in µm or nm); undefined for other files or when absent.
 */
export async function tilePixelSize(path: string): Promise<{ x: number; y: number } | undefined> {
  let description: string | undefined;
  try {
    description = readTiffStructure(new Uint8Array(await readFile(path))).description;
  } catch {
    return undefined;
  }
  const pixels = description === undefined ? undefined : /<(?:\w+:)?Pixels\b([^>]*)>/.exec(description)?.[1];
  if (pixels === undefined) return undefined;
  const attr = (name: string): string | undefined => new RegExp(`\\b${name}="([^"]*)"`).exec(pixels)?.[1];
  const size = (axis: 'X' | 'Y'): number | undefined => {
    const value = Number(attr(`PhysicalSize${axis}`));
    const unit = attr(`PhysicalSize${axis}Unit`) ?? 'µm';
    const scale = unit === 'nm' ? 1e-3 : unit === 'µm' || unit === 'um' || unit === 'micron' ? 1 : NaN;
    return Number.isFinite(value * scale) && value > 0 ? value * scale : undefined;
  };
  const x = size('X');
  const y = size('Y');
  return x === undefined || y === undefined ? undefined : { x, y };
}
