/**
 * `metdb migrate [--db <mysql-url|sqlite-path>] [--down [--steps <n|all>]] [--status]`
 *
 * Applies the schema migrations (migrations/index.ts) to the database named by `--db`, or by the
 * environment (METDB_DATABASE_URL, METDB_CLOUDSQL_INSTANCE..., else .metdb/metdb.sqlite).
 * `--down` undoes the newest migration (`--steps` more, or `all`); `--status` lists them.
 * Returns the process exit code: 0 done, 1 failed, 2 bad usage.
 */
import { parseArgs } from 'node:util';
import {
  databaseConfigFromEnv,
  describeDatabase,
  parseDatabaseTarget,
  type DatabaseConfig,
} from '../shared/adapters/database-config.js';
import { connectDatabase } from '../shared/adapters/open-database.js';
import { migrateDown, migrateToLatest, migrationStatus } from '../shared/records/migrate.js';
import { isMetdbError } from '../shared/errors/metdb-error.js';

const USAGE =
  'usage: metdb migrate [--db <mysql://user:pass@host:port/db | sqlite-path>] [--down [--steps <n|all>]] [--status]';

export interface MigrateCommandIo {
  /** @default process.stdout.write */
  out?: (line: string) => void;
  /** @default process.stderr.write */
  err?: (line: string) => void;
  /** @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

export async function migrateCommand(args: string[], io: MigrateCommandIo = {}): Promise<number> {
  const out = io.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const err = io.err ?? ((line: string) => void process.stderr.write(`${line}\n`));
  let config: DatabaseConfig;
  let options: { down: boolean; steps: number | 'all'; status: boolean; help: boolean };
  try {
    const { values } = parseArgs({
      args,
      options: {
        db: { type: 'string' },
        down: { type: 'boolean', default: false },
        steps: { type: 'string' },
        status: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    const steps =
      values.steps === undefined || values.steps === 'all' ? (values.steps ?? 1) : Number(values.steps);
    if (steps !== 'all' && (!Number.isInteger(steps) || steps < 1))
      throw new Error(`--steps must be a positive integer or all, got ${values.steps}`);
    if (values.steps !== undefined && !values.down) throw new Error('--steps needs --down');
    options = { down: values.down, steps, status: values.status, help: values.help };
    if (options.help) {
      out(USAGE);
      return 0;
    }
    config =
      values.db === undefined ? databaseConfigFromEnv(io.env ?? process.env) : parseDatabaseTarget(values.db);
  } catch (error) {
    err(`metdb migrate: ${error instanceof Error ? error.message : String(error)}`);
    err(USAGE);
    return 2;
  }

  let handle;
  try {
    handle = await connectDatabase(config);
    if (options.status) {
      for (const m of await migrationStatus(handle.db))
        out(`${m.executedAt === undefined ? 'pending' : 'applied'}  ${m.name}`);
      return 0;
    }
    const { executed } = options.down
      ? await migrateDown(handle.db, { steps: options.steps })
      : await migrateToLatest(handle.db);
    const verb = options.down ? 'reverted' : 'applied';
    if (executed.length === 0) out(`${describeDatabase(config)}: nothing to do`);
    for (const name of executed) out(`${verb} ${name}`);
    out(`${describeDatabase(config)}: ${executed.length} migration(s) ${verb}`);
    return 0;
  } catch (error) {
    const reason = isMetdbError(error)
      ? `${error.code}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
    err(`metdb migrate: ${describeDatabase(config)}: ${reason}`);
    return 1;
  } finally {
    await handle?.close();
  }
}
