/**
 * Applies the code-defined migrations of migrations/index.ts with Kysely's Migrator (which
 * records them in `kysely_migration` and serialises concurrent runs with
 * `kysely_migration_lock`). The migrations are plain modules, not files read at run time, so
 * they bundle into Cloud Functions.
 */
import {
  Migrator,
  NO_MIGRATIONS,
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResult,
} from 'kysely';
import { migrations as allMigrations, type MigrationModule } from '../../migrations/index.js';
import { MetdbError } from '../errors/metdb-error.js';
import { toDatabaseError } from './database-error.js';

/** A MigrationProvider over a record of name -> {up, down}. */
export function codeMigrationProvider(
  migrations: Readonly<Record<string, MigrationModule>> = allMigrations,
): MigrationProvider {
  return {
    getMigrations: () => {
      const out: Record<string, Migration> = {};
      for (const [name, m] of Object.entries(migrations)) {
        out[name] =
          m.down === undefined
            ? { up: (db) => m.up(db) }
            : { up: (db) => m.up(db), down: (db) => m.down!(db) };
      }
      return Promise.resolve(out);
    },
  };
}

export interface MigrationOutcome {
  /** Names of the migrations executed by this call, in order. */
  executed: string[];
}

export interface MigrateOptions {
  /** The migrations to use. @default the set in migrations/index.ts */
  migrations?: Readonly<Record<string, MigrationModule>>;
}

function migratorFor<DB>(db: Kysely<DB>, options: MigrateOptions): Migrator {
  // Each area numbers its own migration (0002, 0003...) and they land in any order, each adding
  // its own columns: a database that has 0003 still takes a 0002 that lands later.
  return new Migrator({
    db,
    provider: codeMigrationProvider(options.migrations),
    allowUnorderedMigrations: true,
  });
}

/** Applies every pending migration. Throws a MetdbError naming the failed migration. */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  options: MigrateOptions = {},
): Promise<MigrationOutcome> {
  return outcome('migrate to latest', await migratorFor(db, options).migrateToLatest());
}

export interface MigrateDownOptions extends MigrateOptions {
  /** How many migrations to undo, newest first; `'all'` undoes every one. @default 1 */
  steps?: number | 'all';
}

/** Undoes the newest applied migration(s). */
export async function migrateDown<DB>(
  db: Kysely<DB>,
  options: MigrateDownOptions = {},
): Promise<MigrationOutcome> {
  const { steps = 1 } = options;
  const migrator = migratorFor(db, options);
  if (steps === 'all') return outcome('migrate down', await migrator.migrateTo(NO_MIGRATIONS));
  const executed: string[] = [];
  for (let i = 0; i < steps; i++) {
    const step = outcome('migrate down', await migrator.migrateDown());
    if (step.executed.length === 0) break;
    executed.push(...step.executed);
  }
  return { executed };
}

/** Migrates up or down to the named migration (inclusive). */
export async function migrateTo<DB>(
  db: Kysely<DB>,
  name: string,
  options: MigrateOptions = {},
): Promise<MigrationOutcome> {
  return outcome(`migrate to ${name}`, await migratorFor(db, options).migrateTo(name));
}

/**
 * Throws a transient `MetdbError('unavailable')` naming the migrations not applied yet: for a
 * process that may not migrate (the functions in the cloud: the migrator applies them from CI),
 * so its deliveries are retried until the schema is current.
 */
export async function assertMigrated<DB>(db: Kysely<DB>, options: MigrateOptions = {}): Promise<void> {
  const pending = (await migrationStatus(db, options)).filter((m) => m.executedAt === undefined);
  if (pending.length > 0) {
    throw new MetdbError(
      'unavailable',
      `the database schema is behind the code: migrations ${pending.map((m) => m.name).join(', ')} are not applied (the deploy's migrate step applies them)`,
      { details: { pending: pending.map((m) => m.name) } },
    );
  }
}

/** The migrations and whether each is applied. */
export async function migrationStatus<DB>(
  db: Kysely<DB>,
  options: MigrateOptions = {},
): Promise<{ name: string; executedAt: Date | undefined }[]> {
  const infos = await migratorFor(db, options).getMigrations();
  return infos.map((m) => ({ name: m.name, executedAt: m.executedAt }));
}

function outcome(
  operation: string,
  result: { error?: unknown; results?: MigrationResult[] },
): MigrationOutcome {
  const results = result.results ?? [];
  if (result.error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const cause = toDatabaseError(result.error, operation);
    if (cause instanceof MetdbError) throw cause;
    const message = result.error instanceof Error ? result.error.message : JSON.stringify(result.error);
    throw new MetdbError(
      'migration-failed',
      `${operation} failed${failed === undefined ? '' : ` in ${failed}`}: ${message}`,
      {
        details: { migration: failed },
        cause: result.error,
      },
    );
  }
  return { executed: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
