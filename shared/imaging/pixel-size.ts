/**
 * The physical size of one pixel (voxel) along each axis, as the file states it, in `unit`.
 * Axis names, not positions: `z` is null for 2D images and for stacks with no z spacing.
 */
export interface PixelSize {
  readonly x: number;
  readonly y: number;
  readonly z: number | null;
  /** A length unit of `LENGTH_UNITS` ('µm', 'nm', 'Å', 'mm'...). */
  readonly unit: LengthUnit;
}

/** The length units Met-db understands, each with its size in micrometres and its UDUNITS name (OME-Zarr). */
export const LENGTH_UNITS = {
  pm: { um: 1e-6, udunits: 'picometer' },
  Å: { um: 1e-4, udunits: 'angstrom' },
  nm: { um: 1e-3, udunits: 'nanometer' },
  µm: { um: 1, udunits: 'micrometer' },
  mm: { um: 1e3, udunits: 'millimeter' },
  cm: { um: 1e4, udunits: 'centimeter' },
  in: { um: 25_400, udunits: 'inch' },
  m: { um: 1e6, udunits: 'meter' },
} as const;
export type LengthUnit = keyof typeof LENGTH_UNITS;

/** How files spell the units (OME's symbols, ImageJ's words and escapes), lower-cased. */
const SPELLINGS: Readonly<Record<string, LengthUnit>> = {
  pm: 'pm',
  picometer: 'pm',
  å: 'Å',
  angstrom: 'Å',
  ångström: 'Å',
  nm: 'nm',
  nanometer: 'nm',
  nanometre: 'nm',
  µm: 'µm',
  μm: 'µm', // Greek mu (U+03BC), as some writers use
  um: 'µm',
  micron: 'µm',
  microns: 'µm',
  micrometer: 'µm',
  micrometre: 'µm',
  '\\u00b5m': 'µm', // ImageJ writes non-ASCII characters as Java escapes
  '?m': 'µm', // and ASCII-only writers (Pillow's TIFF tags) replace µ with '?'
  mm: 'mm',
  millimeter: 'mm',
  cm: 'cm',
  centimeter: 'cm',
  in: 'in',
  inch: 'in',
  m: 'm',
  meter: 'm',
  metre: 'm',
};

/** The unit a file names, or undefined for none, 'pixel' or something unknown. */
export function parseLengthUnit(text: string | undefined): LengthUnit | undefined {
  if (text === undefined) return undefined;
  return SPELLINGS[text.trim().toLowerCase()];
}

/** A length in `unit` converted to micrometres. */
export function toMicrometres(value: number, unit: LengthUnit): number {
  return value * LENGTH_UNITS[unit].um;
}

/**
 * The pixel size along each axis of a shift, axis order (z,) y, x, in micrometres, or null when
 * the size is unknown (2D images: [y, x]; 3D: [z, y, x], z null when the file gave no spacing).
 */
export function pixelSizeUm(size: PixelSize, ndim: number): (number | null)[] {
  const um = (v: number | null) => (v === null ? null : toMicrometres(v, size.unit));
  return ndim === 3 ? [um(size.z), um(size.y), um(size.x)] : [um(size.y), um(size.x)];
}

/** A size is usable when every known axis is a finite positive number. */
export function isUsablePixelSize(size: Omit<PixelSize, 'unit'>): boolean {
  const ok = (v: number) => Number.isFinite(v) && v > 0;
  return ok(size.x) && ok(size.y) && (size.z === null || ok(size.z));
}
