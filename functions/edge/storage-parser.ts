import { parseStorageEvent, type FinalizedObject } from '../../shared/messages/storage-event.js';
import { ignored, type Ignored } from './ignored.js';

/** The `runHandler` parser for upload events: a finalized object, or `Ignored` for deletes and the like. */
export function parseUploadEvent(event: unknown): FinalizedObject | Ignored {
  const parsed = parseStorageEvent(event);
  return parsed.kind === 'finalized' ? parsed : ignored(parsed.reason);
}
