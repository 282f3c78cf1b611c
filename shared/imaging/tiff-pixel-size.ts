import { isUsablePixelSize, parseLengthUnit, type PixelSize } from './pixel-size.js';
import type { TiffStructure } from './tiff-structure.js';

/** ResolutionUnit (tag 296) values. */
const INCH = 2;
const CENTIMETRE = 3;
/** Densities that image editors write by default (screen dpi), not measurements. */
const DEFAULT_DPI = new Set([72, 96]);

/**
 * The pixel size a TIFF states, from the first source that gives one:
 * 1. OME-XML `<Pixels PhysicalSizeX/Y/Z>` with `PhysicalSize*Unit` (OME's default: µm);
 * 2. an ImageJ description: `unit=` (micron, µm, nm...), x and y from the XResolution and
 *    YResolution tags (pixels per unit), z from `spacing=`;
 * 3. the resolution tags alone with ResolutionUnit inch or centimetre, given in µm; 72 and 96
 *    pixels per inch are image editors' defaults and are ignored.
 * Null when none applies (no unit, 'pixel', zero or non-finite sizes).
 */
export function tiffPixelSize(structure: TiffStructure): PixelSize | null {
  const { description } = structure;
  const page = structure.pages[0];
  const ome = description !== undefined && /<(?:\w+:)?Pixels\b/.test(description);
  if (ome) {
    const size = omePixelSize(description);
    if (size !== null) return size;
  } else if (description?.startsWith('ImageJ=')) {
    const unit = parseLengthUnit(/^unit=(.*)$/m.exec(description)?.[1]);
    if (unit === undefined || page?.xResolution === undefined) return null;
    const spacing = /^spacing=([0-9.eE+-]+)$/m.exec(description)?.[1];
    return usable({
      x: 1 / page.xResolution,
      y: 1 / (page.yResolution ?? page.xResolution),
      z: spacing === undefined ? null : Number(spacing),
      unit,
    });
  }
  if (page?.xResolution === undefined) return null;
  const perUm =
    page.resolutionUnit === CENTIMETRE ? 1e-4 : page.resolutionUnit === INCH ? 1 / 25_400 : undefined;
  if (perUm === undefined) return null;
  if (page.resolutionUnit === INCH && DEFAULT_DPI.has(page.xResolution)) return null;
  return usable({
    x: 1 / (page.xResolution * perUm),
    y: 1 / ((page.yResolution ?? page.xResolution) * perUm),
    z: null,
    unit: 'µm',
  });
}

/** `PhysicalSizeX/Y/Z` of the first `<Pixels>` of an OME-XML document. */
export function omePixelSize(xml: string): PixelSize | null {
  const pixels = /<(?:\w+:)?Pixels\b([^>]*)>/.exec(xml)?.[1];
  if (pixels === undefined) return null;
  const attr = (name: string): string | undefined =>
    new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`).exec(pixels)?.[1];
  const x = attr('PhysicalSizeX');
  if (x === undefined) return null;
  const unitOf = (axis: string) => parseLengthUnit(decodeXmlText(attr(`PhysicalSize${axis}Unit`) ?? 'µm'));
  const unit = unitOf('X');
  if (unit === undefined || unitOf('Y') !== unit) return null;
  const z = attr('PhysicalSizeZ');
  const zUnit = unitOf('Z');
  return usable({
    x: Number(x),
    y: Number(attr('PhysicalSizeY') ?? x),
    // A z size in another unit than x and y is rare; it is dropped rather than mixed.
    z: z === undefined || zUnit !== unit ? null : Number(z),
    unit,
  });
}

function usable(size: PixelSize): PixelSize | null {
  return isUsablePixelSize(size) ? size : null;
}

/** Character references of XML attribute text (`&#181;m`, `&#xB5;m`, `&amp;`). */
function decodeXmlText(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');
}
