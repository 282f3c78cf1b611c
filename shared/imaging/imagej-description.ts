import type { PixelSize } from './pixel-size.js';

/** How ImageJ names units in `unit=` (µm as `micron`; Å spelt out, as `unit=` is ASCII). */
const IMAGEJ_UNITS: Readonly<Record<string, string>> = { µm: 'micron', Å: 'angstrom' };

/**
 * The ImageDescription of an ImageJ hyperstack: `channels` x `slices` pages, channel fastest
 * (page = c + channels * z), with `unit=` and `spacing=` when the pixel size is known (x and y
 * go into the XResolution/YResolution tags, see `imagejResolution`).
 */
export function imagejDescription(channels: number, slices: number, pixelSize: PixelSize | null): string {
  const lines = [
    'ImageJ=1.11a',
    `images=${channels * slices}`,
    ...(channels > 1 ? [`channels=${channels}`] : []),
    ...(slices > 1 ? [`slices=${slices}`] : []),
    ...(channels > 1 ? ['hyperstack=true', 'mode=composite'] : []),
    ...(pixelSize === null ? [] : [`unit=${IMAGEJ_UNITS[pixelSize.unit] ?? pixelSize.unit}`]),
    ...(pixelSize?.z != null && slices > 1 ? [`spacing=${pixelSize.z}`] : []),
    'loop=false',
  ];
  return `${lines.join('\n')}\n`;
}

/** The resolution tags ImageJ reads x and y sizes from: pixels per unit, ResolutionUnit none. */
export function imagejResolution(pixelSize: PixelSize | null): { x: number; y: number; unit: 1 } {
  return pixelSize === null ? { x: 1, y: 1, unit: 1 } : { x: 1 / pixelSize.x, y: 1 / pixelSize.y, unit: 1 };
}
