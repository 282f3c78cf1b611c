/**
 * What an upload's object name may be in a row, and which folder names may name a dataset: one
 * rule for each, used by ingest (every upload path) and by the datasets repository (every
 * writer of a dataset name).
 */
import { createHash } from 'node:crypto';

/** GCS's object name limit, in UTF-8 bytes; `images.source_object` holds at most this many. */
export const MAX_OBJECT_NAME_BYTES = 1024;
// (String.prototype.isWellFormed is ES2024, beyond the compiler's lib.)
const LONE = '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
const LONE_SURROGATE = new RegExp(LONE);
const LONE_SURROGATE_ALL = new RegExp(LONE, 'g');

/** `datasets.name` holds at most this many characters. */
export const MAX_FOLDER_NAME_LENGTH = 255;

/**
 * Why `name` cannot name a dataset folder, or `undefined` when it can. Unusable: empty, `.` or
 * `..` (a path traversal, never a dataset), over 255 characters, control characters, a slash or
 * backslash, text that is not well-formed Unicode (a row cannot hold a lone surrogate).
 */
export function folderNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name === '.' || name === '..') return `is ${name} (a path traversal, not a folder)`;
  if (name.length > MAX_FOLDER_NAME_LENGTH) return `is longer than ${MAX_FOLDER_NAME_LENGTH} characters`;
  if (LONE_SURROGATE.test(name)) return 'is not well-formed Unicode';
  if ([...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    return 'contains control characters';
  if (/[/\\]/.test(name)) return 'contains a slash or backslash';
  return undefined;
}

/**
 * The object name as a row stores it: the name itself when it fits (at most 1024 UTF-8 bytes,
 * well-formed Unicode), else a shortened, readable name that stays unique: its first 200
 * characters made well-formed, `…#`, and 16 hex digits of the SHA-256 of the full name (so a
 * redelivery of the same event finds the same row). `problem` says why it was shortened.
 */
export function storedObjectName(name: string): { name: string; problem?: string } {
  const bytes = Buffer.byteLength(name, 'utf8');
  const problem = LONE_SURROGATE.test(name)
    ? 'is not well-formed Unicode'
    : bytes > MAX_OBJECT_NAME_BYTES
      ? `has ${bytes} bytes, over the ${MAX_OBJECT_NAME_BYTES}-byte limit of object names`
      : undefined;
  if (problem === undefined) return { name };
  const hash = createHash('sha256').update(name, 'utf16le').digest('hex').slice(0, 16);
  const head = [...name.replace(LONE_SURROGATE_ALL, '\ufffd')].slice(0, 200).join('');
  return { name: `${head}…#${hash}`, problem };
}
