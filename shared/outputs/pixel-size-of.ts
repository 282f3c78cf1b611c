import { parseLengthUnit, type PixelSize } from '../imaging/pixel-size.js';
import type { ImageRow } from '../records/database-schema.js';

/** The row's pixel size (0003_units), or null when the file stated none. */
export function pixelSizeOf(image: ImageRow): PixelSize | null {
  const unit = parseLengthUnit(image.pixel_size_unit ?? undefined);
  if (unit === undefined || image.pixel_size_x === null || image.pixel_size_y === null) return null;
  return { x: image.pixel_size_x, y: image.pixel_size_y, z: image.pixel_size_z, unit };
}
