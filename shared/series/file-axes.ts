import type { ImageFormat } from '../imaging/image-format.js';
import { parseMrcHeader } from '../imaging/mrc-header.js';
import { readTiffStructure } from '../imaging/tiff-structure.js';
import { stackAxes } from './stack-axes.js';

/** What a multi-page file's metadata says its planes are (the image row's 0006 columns). */
export interface FileAxes {
  /** Time points and z planes per channel, when the metadata states them; t x z = the planes. */
  readonly size_t: number | null;
  readonly size_z: number | null;
  /** 'imagej' | 'ome' (TIFF descriptions), 'mrc' (a volume by its space group), 'pages' (nothing said). */
  readonly axes_source: 'imagej' | 'ome' | 'mrc' | 'pages';
}

/**
 * The axes of a file of `planes` planes per channel (`depth` of its decoded stack), or null for a
 * single plane. TIFF: ImageJ's `frames=`/`slices=` (of a hyperstack, or with a z `spacing=`) or
 * OME-XML's `SizeT`/`SizeZ` (`stackAxes`);
 * MRC: a space group (ISPG, bytes 88-91) of 1 or more marks a volume, 0 a stack of sections
 * whose axis is not stated. Anything unreadable here states nothing (`pages`): the decoder has
 * already accepted the file.
 */
export function fileAxes(
  bytes: Uint8Array,
  format: ImageFormat | undefined,
  planes: number,
): FileAxes | null {
  if (planes <= 1) return null;
  const nothing: FileAxes = { size_t: null, size_z: null, axes_source: 'pages' };
  try {
    if (format === 'tiff') {
      const structure = readTiffStructure(bytes);
      const axes = stackAxes(structure.description, structure.pages.length);
      if (axes.source === 'pages' || axes.t * axes.z !== planes) return nothing;
      if (axes.source === 'imagej' && !imagejStatesAxes(structure.description ?? '', axes)) return nothing;
      return { size_t: axes.t, size_z: axes.z, axes_source: axes.source };
    }
    if (format === 'mrc') {
      const header = parseMrcHeader(bytes);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const ispg = view.getInt32(88, header.littleEndian);
      return ispg >= 1 ? { size_t: 1, size_z: planes, axes_source: 'mrc' } : nothing;
    }
  } catch {
    return nothing;
  }
  return nothing;
}

/**
 * ImageJ writes `slices=N` for every plain stack, time-lapses included: the pages' axis is stated
 * only by a hyperstack (`hyperstack=true`, channels or frames > 1) or a z step (`spacing=`).
 */
function imagejStatesAxes(description: string, axes: { t: number; c: number }): boolean {
  return axes.t > 1 || axes.c > 1 || /^hyperstack=true$/m.test(description) || /^spacing=/m.test(description);
}
