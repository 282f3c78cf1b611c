import sharp from 'sharp';
import type { NdArray } from '../ndarray/ndarray.js';

/** The grey levels [low, high] a thumbnail is shown with: everything below black, above white. */
export interface DisplayRange {
  readonly low: number;
  readonly high: number;
}

/**
 * The 0.5th and 99.5th percentiles of the finite values (as Fiji's auto contrast saturates a few
 * pixels), so that one hot pixel or a black border does not wash the thumbnail out.
 */
export function displayRange(plane: NdArray<Float32Array>): DisplayRange {
  const finite = plane.data.filter((v) => Number.isFinite(v)).sort();
  if (finite.length === 0) return { low: 0, high: 1 };
  const at = (p: number) => finite[Math.min(finite.length - 1, Math.round(p * (finite.length - 1)))]!;
  const low = at(0.005);
  const high = at(0.995);
  return high > low ? { low, high } : { low, high: low + 1 };
}

/** A plane as a PNG data URI, grey levels by `range`; no data (NaN) is black. */
export async function greyPng(plane: NdArray<Float32Array>, range: DisplayRange): Promise<string> {
  const [h = 1, w = 1] = plane.shape;
  return pngDataUri(toBytes(plane.data, range), w, h, 1);
}

/**
 * The colour composite of two planes of one shape: `magenta` (the reference) in red and blue,
 * `green` (the image) in green. Where they agree the composite is grey to white; a misregistered
 * edge shows as a magenta and green fringe (Fiji's "Merge Channels" colours, colour-blind safe).
 */
export async function compositePng(
  magenta: NdArray<Float32Array>,
  magentaRange: DisplayRange,
  green: NdArray<Float32Array>,
  greenRange: DisplayRange,
): Promise<string> {
  const [h = 1, w = 1] = magenta.shape;
  const m = toBytes(magenta.data, magentaRange);
  const g = toBytes(green.data, greenRange);
  const rgb = new Uint8Array(3 * h * w);
  for (let k = 0; k < h * w; k++) {
    rgb[3 * k] = m[k]!;
    rgb[3 * k + 1] = g[k]!;
    rgb[3 * k + 2] = m[k]!;
  }
  return pngDataUri(rgb, w, h, 3);
}

function toBytes(values: Float32Array, { low, high }: DisplayRange): Uint8Array {
  const out = new Uint8Array(values.length);
  const scale = 255 / (high - low);
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    // NaN fails both comparisons and stays 0: black where there is no data.
    out[k] = v >= high ? 255 : v > low ? Math.round((v - low) * scale) : 0;
  }
  return out;
}

async function pngDataUri(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
): Promise<string> {
  const image = sharp(pixels, { raw: { width, height, channels } });
  // Without 'b-w' sharp writes one grey channel as three: twice the bytes.
  const png = await (channels === 1 ? image.toColourspace('b-w') : image)
    .png({ compressionLevel: 9, adaptiveFiltering: true })
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}
