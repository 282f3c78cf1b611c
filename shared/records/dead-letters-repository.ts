/**
 * Dead letters: messages that exhausted their deliveries, recorded once each (by `dedupe_key`)
 * with what they were about and why, so that a human sees them (`metdb dead-letters`) and can
 * replay them (docs/operations.md). Plain functions taking a Kysely instance first.
 */
import type { Kysely } from 'kysely';
import type { Database, DeadLettersTable } from './database-schema.js';
import { newId } from './new-id.js';
import { nowIso } from './validate-row.js';

type Db = Kysely<Database>;

export type NewDeadLetter = Omit<DeadLettersTable, 'id' | 'received_at'>;

/** Records a dead letter; a redelivered one (same `dedupe_key`) changes nothing. Returns whether it was new. */
export async function recordDeadLetterRow(db: Db, input: NewDeadLetter): Promise<boolean> {
  const clip = (t: string | null, n: number) => (t === null || t.length <= n ? t : `${t.slice(0, n - 1)}…`);
  const row: DeadLettersTable = {
    ...input,
    id: newId(),
    topic: clip(input.topic, 255)!,
    subscription: clip(input.subscription, 255),
    message_id: clip(input.message_id, 255),
    object_name: clip(input.object_name, 1024),
    reason: clip(input.reason, 1024)!,
    received_at: nowIso(),
  };
  const result = await db.insertInto('dead_letters').orIgnore().values(row).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Dead letters, newest first, optionally of one job. */
export async function listDeadLetters(
  db: Db,
  options: { jobId?: string; limit?: number } = {},
): Promise<DeadLettersTable[]> {
  let q = db.selectFrom('dead_letters').selectAll();
  if (options.jobId !== undefined) q = q.where('job_id', '=', options.jobId);
  return q
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 100)
    .execute();
}
