/**
 * `metdb dead-letters [--db URL] [--job ID] [--limit N] [--json]`: the messages that exhausted
 * their deliveries (recorded by the `deadLetter` function or a local run), newest first: when,
 * what (tile of a job, aggregation, upload object), attempts, reason. docs/operations.md says how
 * to replay them. Exit code 0 done, 1 failed, 2 bad usage.
 */
import { databaseConfigFromEnv, parseDatabaseTarget } from '../shared/adapters/database-config.js';
import { connectDatabase } from '../shared/adapters/open-database.js';
import { listDeadLetters } from '../shared/records/dead-letters-repository.js';
import { migrateToLatest } from '../shared/records/migrate.js';
import { parseCommandArgs } from './parse-command-args.js';
import { UsageError } from './usage-error.js';

export const DEAD_LETTERS_USAGE =
  'usage: metdb dead-letters [--db <mysql-url|sqlite-path>] [--job ID] [--limit N (100)] [--json]';

export async function deadLettersCommand(args: string[], out: (line: string) => void): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      db: { type: 'string' },
      job: { type: 'string' },
      limit: { type: 'string', default: '100' },
      json: { type: 'boolean', default: false },
    },
    DEAD_LETTERS_USAGE,
    out,
  );
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument "${positionals[0]}"`, DEAD_LETTERS_USAGE);
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a positive integer`, DEAD_LETTERS_USAGE);
  const config = values.db === undefined ? databaseConfigFromEnv() : parseDatabaseTarget(values.db);
  const handle = await connectDatabase(config);
  try {
    await migrateToLatest(handle.db);
    const rows = await listDeadLetters(handle.db, {
      limit,
      ...(values.job === undefined ? {} : { jobId: values.job }),
    });
    if (values.json) {
      out(
        JSON.stringify(
          rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as unknown })),
          null,
          2,
        ),
      );
      return 0;
    }
    for (const r of rows) {
      const what =
        r.kind === 'tile'
          ? `tile ${r.tile_index} of job ${r.job_id}`
          : r.kind === 'aggregate'
            ? `aggregation of job ${r.job_id}`
            : r.kind === 'upload'
              ? `upload ${r.object_name}`
              : r.kind;
      out(`${r.received_at}\t${what}\t${r.delivery_attempts ?? '?'} attempts\t${r.reason}`);
    }
    out(`${rows.length} dead letter(s)`);
    return 0;
  } finally {
    await handle.close();
  }
}
