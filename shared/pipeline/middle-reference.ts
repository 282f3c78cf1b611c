import { extname } from 'node:path';
import { naturalCompare } from '../series/natural-compare.js';
import { SETTINGS_FILE } from './dataset-settings.js';

/** The `reference` value of `metdb.json` that picks the middle image of the dataset. */
export const MIDDLE_REFERENCE = 'middle';

/** File extensions a dataset's images have; other files (notes, truth.json...) are not images. */
export const IMAGE_EXTENSIONS: readonly string[] = [
  '.tif',
  '.tiff',
  '.png',
  '.jpg',
  '.jpeg',
  '.mrc',
  '.map',
  '.st',
  '.ali',
  '.rec',
];

/** Whether a file name (no folder) names an image of a dataset: not hidden, not the settings, an image extension. */
export function isImageFileName(name: string): boolean {
  return (
    !name.startsWith('.') && name !== SETTINGS_FILE && IMAGE_EXTENSIONS.includes(extname(name).toLowerCase())
  );
}

/**
 * The middle of a dataset's image files, as image stacking does (the frame at n/2, 0-based, of
 * the n files in natural order: `A1_2` before `A1_10`), or undefined when there is none. Names
 * that are not images (`isImageFileName`) do not count.
 *
 * @param names file names relative to the dataset folder (no slash)
 */
export function middleImageFile(names: readonly string[]): string | undefined {
  const images = names.filter(isImageFileName).sort(naturalCompare);
  return images[images.length >> 1];
}
