import { axisNames, type ImageResult } from '../outputs/image-result.js';
import { shiftUm } from '../outputs/physical-units.js';
import { escapeHtml } from './escape-html.js';
import type { ImageThumbnails } from './report-thumbnails.js';

/** The verdict as a flag (a symbol readable without colour) and a word. */
const FLAGS: Readonly<Record<string, string>> = {
  good: '\u2714 good',
  low: '\u26A0 low',
  failed: '\u2716 failed',
};

/** The report's section of thumbnails, with its heading; empty without thumbnails. */
export function thumbnailSection(
  results: readonly ImageResult[],
  thumbnails: readonly ImageThumbnails[],
): string {
  if (thumbnails.length === 0) return '';
  return (
    '<h2>Images before and after registration</h2>\n<p class="muted">Each image (channel 0; the middle plane of a stack) ' +
    'before and after registration, and overlaid on the reference: reference magenta, image green, grey to white where ' +
    `they agree.</p>\n${thumbnailGallery(results, thumbnails)}`
  );
}

/**
 * The thumbnails gallery: one card per image that has thumbnails, in series order: the image
 * before and after registration and its colour composites with the reference (magenta) before and
 * after, captioned with the verdict (flag and colour) and the shift in px and µm.
 */
export function thumbnailGallery(
  results: readonly ImageResult[],
  thumbnails: readonly ImageThumbnails[],
): string {
  const byId = new Map(thumbnails.map((t) => [t.imageId, t]));
  const cards = results.flatMap((r, i) => {
    const t = byId.get(r.imageId);
    return t === undefined ? [] : [card(r, i, t)];
  });
  if (cards.length === 0) return '<p>No thumbnails (the images could not be read).</p>';
  const left = results.filter((r) => !byId.has(r.imageId)).length;
  const note =
    left === 0 ? '' : `<p class="muted">${left} more image(s) without thumbnails: see the summary table.</p>`;
  return `<div class="gallery">${cards.join('')}</div>${note}`;
}

function card(r: ImageResult, index: number, t: ImageThumbnails): string {
  const quality = r.quality ?? (r.role === 'reference' ? 'reference' : 'pending');
  const flag = r.role === 'reference' ? 'reference' : (FLAGS[quality] ?? r.role);
  const img = (src: string | null, label: string) =>
    src === null
      ? ''
      : `<figure><img src="${src}" width="${t.width}" height="${t.height}" alt="${escapeHtml(`${r.file}: ${label}`)}"><figcaption>${escapeHtml(label)}</figcaption></figure>`;
  return (
    `<section class="thumbs quality-${escapeHtml(quality)}" id="thumbs-${index}">` +
    `<h3><span class="flag">${escapeHtml(flag)}</span> #${index} ${escapeHtml(r.file)}</h3>` +
    `<p class="muted">${escapeHtml(shiftText(r))}</p>` +
    `<div class="strip">${img(t.before, r.role === 'reference' ? 'reference' : 'before')}${img(t.after, 'after')}` +
    `${img(t.overlayBefore, 'overlay before')}${img(t.overlayAfter, 'overlay after')}</div></section>`
  );
}

/** `shift y=-1.234 x=0.500 px (y=-0.0636 x=0.0258 µm)`, or why there is none. */
function shiftText(r: ImageResult): string {
  if (r.role === 'reference') return 'the reference: every image is registered onto it';
  if (r.shift === null) return r.failureReason ?? 'not registered';
  const axes = axisNames(r.shift.length);
  const px = r.shift.map((v, a) => `${axes[a]}=${v.toFixed(3)}`).join(' ');
  const um = shiftUm(r.shift, r.pixelSize);
  const umText =
    um === null
      ? ''
      : ` (${um.map((v, a) => `${axes[a]}=${v === null ? '?' : String(Number(v.toPrecision(4)))}`).join(' ')} µm)`;
  return `shift ${px} px${umText}`;
}

/** The gallery's CSS: cards in a wrapping grid that fits a phone's width; the verdict's colour on the card. */
export const GALLERY_STYLE = `
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,290px),1fr));gap:12px}
.thumbs{border:1px solid #ddd;border-left:5px solid #999;padding:6px 8px;border-radius:4px}
.thumbs h3{font-size:.95em;margin:0 0 2px;overflow-wrap:anywhere}.thumbs p{margin:0 0 4px}
.thumbs.quality-good{border-left-color:#1b7a2e}.thumbs.quality-good .flag{color:#1b7a2e}
.thumbs.quality-low{border-left-color:#b36b00}.thumbs.quality-low .flag{color:#b36b00}
.thumbs.quality-failed{border-left-color:#b00020}.thumbs.quality-failed .flag{color:#b00020}
.strip{display:flex;flex-wrap:wrap;gap:4px}.strip figure{margin:0;font-size:.75em;color:#555;text-align:center}
.strip img{display:block;max-width:100%;height:auto;background:#000}
`;
