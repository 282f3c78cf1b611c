/**
 * The text labels of an MRC2014 header (NLABL at byte 220, ten 80-byte labels from byte 224),
 * trailing spaces and NULs removed, empty ones skipped. Byte order from the machine stamp as in
 * `parseMrcHeader`; a count outside 0..10 reads all ten slots.
 */
export function readMrcLabels(bytes: Uint8Array): string[] {
  if (bytes.length < 1024) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, 1024);
  const count = view.getInt32(220, bytes[212] !== 0x11);
  const slots = count >= 0 && count <= 10 ? count : 10;
  const labels: string[] = [];
  for (let i = 0; i < slots; i++) {
    const raw = String.fromCharCode(...bytes.subarray(224 + 80 * i, 304 + 80 * i));
    const label = raw.replace(/[\0 ]+$/, '');
    if (label.trim() !== '') labels.push(label);
  }
  return labels;
}
