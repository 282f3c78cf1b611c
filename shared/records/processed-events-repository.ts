/**
 * Idempotency keys of processed events (e.g. `ingest:<bucket>/<object>#<generation>` or a
 * Pub/Sub message id). Claim a key in the same transaction as the effect it guards: then a
 * redelivery either sees the key (and skips) or the whole first attempt rolled back.
 */
import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database, ProcessedEventRow } from './database-schema.js';
import { check, nowIso, validateRow } from './validate-row.js';
import { toDatabaseError } from './database-error.js';

type Db = Kysely<Database>;

const claimSchema = z.object({ idempotency_key: check.text(255), kind: check.text(64) });

/** Records `key` as processed; returns true if this call claimed it, false if it was already. */
export async function claimIdempotencyKey(db: Db, key: string, kind: string): Promise<boolean> {
  const v = validateRow('processed_events', claimSchema, { idempotency_key: key, kind });
  try {
    const result = await db
      .insertInto('processed_events')
      .orIgnore()
      .values({ ...v, processed_at: nowIso() })
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  } catch (error) {
    throw toDatabaseError(error, 'claim idempotency key');
  }
}

/** Forgets a claim (the guarded work failed outside a shared transaction and must be redone). */
export async function releaseIdempotencyKey(db: Db, key: string): Promise<boolean> {
  const result = await db
    .deleteFrom('processed_events')
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function getProcessedEvent(db: Db, key: string): Promise<ProcessedEventRow | undefined> {
  return db.selectFrom('processed_events').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
}

/** Deletes keys processed before `before` (retention); returns how many. */
export async function pruneProcessedEvents(db: Db, before: Date): Promise<number> {
  const result = await db
    .deleteFrom('processed_events')
    .where('processed_at', '<', before.toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
