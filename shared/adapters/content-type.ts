const BY_EXTENSION: Readonly<Record<string, string>> = {
  tif: 'image/tiff',
  tiff: 'image/tiff',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  json: 'application/json',
  csv: 'text/csv',
  txt: 'text/plain',
  svg: 'image/svg+xml',
  html: 'text/html',
};

/** A MIME type guessed from an object name's extension, `application/octet-stream` otherwise. */
export function contentTypeOf(key: string): string {
  const dot = key.lastIndexOf('.');
  if (dot < 0 || dot < key.lastIndexOf('/')) return 'application/octet-stream';
  return BY_EXTENSION[key.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream';
}
