/**
 * ImageJ's slice labels, kept in the IJMetadata tags (50838 byte counts, 50839 bytes): a header
 * segment (`IJIJ`, then a type code and a count per kind of entry) followed by one segment per
 * entry; labels (`labl`) are UTF-16 strings. Big endian files spell the magic `IJIJ`, little
 * endian ones (tifffile's) `JIJI`. For a hyperstack, label k belongs to page k (channel fastest).
 * See ImageJ's TiffDecoder.saveMetadata / TiffEncoder.
 */
const MAGIC = 0x494a494a; // 'IJIJ'
const LABELS = 0x6c61626c; // 'labl'

/** The slice labels, one per page (empty strings for pages without one), or undefined if none. */
export function readImagejLabels(metadata: {
  readonly counts: readonly number[];
  readonly bytes: Uint8Array;
}): string[] | undefined {
  const { counts, bytes } = metadata;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || counts.length === 0) return undefined;
  const little = view.getUint32(0, false) !== MAGIC;
  if (view.getUint32(0, little) !== MAGIC) return undefined;
  const header = counts[0]!;
  let offset = header;
  let segment = 1;
  for (let h = 4; h + 8 <= header; h += 8) {
    const type = view.getUint32(h, little);
    const n = view.getUint32(h + 4, little);
    if (type === LABELS) {
      const labels: string[] = [];
      for (let k = 0; k < n; k++) {
        const size = counts[segment + k] ?? 0;
        labels.push(utf16(bytes.subarray(offset, offset + size), little));
        offset += size;
      }
      return labels;
    }
    for (let k = 0; k < n; k++) offset += counts[segment + k] ?? 0;
    segment += n;
  }
  return undefined;
}

/** The IJMetadata tags' values for these labels, little endian (as this file's TIFFs are). */
export function imagejLabelsMetadata(labels: readonly string[]): { counts: number[]; bytes: Uint8Array } {
  const header = new Uint8Array(12);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, MAGIC, true);
  hv.setUint32(4, LABELS, true);
  hv.setUint32(8, labels.length, true);
  const parts = labels.map((label) => {
    const out = new Uint8Array(label.length * 2);
    const v = new DataView(out.buffer);
    for (let i = 0; i < label.length; i++) v.setUint16(2 * i, label.charCodeAt(i), true);
    return out;
  });
  const bytes = new Uint8Array(header.length + parts.reduce((n, p) => n + p.length, 0));
  bytes.set(header, 0);
  let at = header.length;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { counts: [header.length, ...parts.map((p) => p.length)], bytes };
}

function utf16(bytes: Uint8Array, little: boolean): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let s = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode(view.getUint16(i, little));
  return s;
}
