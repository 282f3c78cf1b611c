import { readImagejLabels } from './imagej-labels.js';
import type { TiffStructure } from './tiff-structure.js';

/** Which metadata a TIFF carries, as writers of its outputs should follow: OME-XML, ImageJ, or none. */
export function tiffMetadataFormat(structure: TiffStructure): 'ome' | 'imagej' | null {
  const d = structure.description;
  if (d === undefined) return null;
  if (d.startsWith('ImageJ=')) return 'imagej';
  return /<(?:\w+:)?OME\b/.test(d) && /<(?:\w+:)?Pixels\b/.test(d) ? 'ome' : null;
}

/**
 * The names of a TIFF's channels, in channel order, or null when the file names none:
 * OME-XML `<Channel Name>` of the first `<Pixels>`, or, for an ImageJ hyperstack with `channels`
 * page channels, the slice labels of the first `channels` pages (channel fastest). A channel
 * without a name is null in the list.
 */
export function tiffChannelNames(structure: TiffStructure, channels: number): (string | null)[] | null {
  const format = tiffMetadataFormat(structure);
  let names: (string | null)[] | undefined;
  if (format === 'ome') {
    const pixels = /<(?:\w+:)?Pixels\b[\s\S]*?<\/(?:\w+:)?Pixels>/.exec(structure.description!)?.[0] ?? '';
    names = [...pixels.matchAll(/<(?:\w+:)?Channel\b([^>]*)>/g)].map(
      (m) => /\bName\s*=\s*"([^"]*)"/.exec(m[1] ?? '')?.[1] ?? null,
    );
    names = names.map((n) => (n === null ? null : decodeXml(n)));
  } else if (format === 'imagej' && structure.imagejMetadata !== undefined && channels > 1) {
    names = readImagejLabels(structure.imagejMetadata)
      ?.slice(0, channels)
      .map((n) => (n === '' ? null : n));
  }
  if (names === undefined || names.length !== channels || names.every((n) => n === null)) return null;
  return names;
}

function decodeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');
}
