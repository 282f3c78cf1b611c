/**
 * A Kysely dialect wrapper through which every driver error passes `toDatabaseError`: a refused
 * connection, a reset socket or a lock wait timeout reaches any caller (a repository, a use case,
 * a query written in place) as a transient `MetdbError('unavailable')`, whatever the query. So
 * classification is not left to each repository remembering a try/catch.
 *
 * Acquiring a connection is retried with jittered exponential backoff when it fails with a
 * transient error (nothing has run yet, so it is always safe). A statement that fails is not
 * rerun here: whether it took effect is unknown, so the whole delivery is retried by the
 * platform (Pub/Sub's backoff, the local bus's), and every write is idempotent for that.
 */
import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import { isTransientDatabaseError, toDatabaseError } from '../records/database-error.js';

type Compile = QueryCompiler['compileQuery'];

export interface ClassifyingOptions {
  /** Attempts to acquire a connection, including the first. @default 3 */
  connectAttempts?: number;
  /** First backoff between them, ms, doubled each time, with full jitter. @default 50 */
  connectBackoffMs?: number;
}

/** `dialect` with every driver error mapped by `toDatabaseError`. */
export function classifyingDialect(dialect: Dialect, options: ClassifyingOptions = {}): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db: Parameters<Dialect['createIntrospector']>[0]) => dialect.createIntrospector(db),
    createDriver: () => new ClassifyingDriver(dialect.createDriver(), options),
  };
}

class ClassifyingConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (error) {
      throw toDatabaseError(error, operationOf(query));
    }
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize);
    } catch (error) {
      throw toDatabaseError(error, operationOf(query));
    }
  }
}

class ClassifyingDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly options: ClassifyingOptions,
  ) {}

  init(): Promise<void> {
    return mapped('open the database', () => this.inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const { connectAttempts = 3, connectBackoffMs = 50 } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        return new ClassifyingConnection(await this.inner.acquireConnection());
      } catch (error) {
        const e = toDatabaseError(error, 'connect to the database');
        if (attempt >= connectAttempts || !isTransientDatabaseError(e)) throw e;
        await sleep(Math.random() * connectBackoffMs * 2 ** (attempt - 1));
      }
    }
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return mapped('begin transaction', () => this.inner.beginTransaction(innerOf(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return mapped('commit', () => this.inner.commitTransaction(innerOf(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return mapped('rollback', () => this.inner.rollbackTransaction(innerOf(connection)));
  }

  savepoint(connection: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    const inner = this.inner;
    if (inner.savepoint === undefined) return noSavepoints();
    return mapped('savepoint', () => inner.savepoint!(innerOf(connection), name, compile));
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    const inner = this.inner;
    if (inner.rollbackToSavepoint === undefined) return noSavepoints();
    return mapped('rollback to savepoint', () =>
      inner.rollbackToSavepoint!(innerOf(connection), name, compile),
    );
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    const inner = this.inner;
    if (inner.releaseSavepoint === undefined) return noSavepoints();
    return mapped('release savepoint', () => inner.releaseSavepoint!(innerOf(connection), name, compile));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(innerOf(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

function noSavepoints(): Promise<void> {
  return Promise.reject(new Error('the database driver has no savepoints'));
}

function innerOf(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof ClassifyingConnection ? connection.inner : connection;
}

async function mapped<T>(operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toDatabaseError(error, operation);
  }
}

/** `select tile_results`, `insert jobs`...: enough to tell which statement failed. */
function operationOf(query: CompiledQuery): string {
  const verb = /^\s*(\w+)/.exec(query.sql)?.[1]?.toLowerCase() ?? 'query';
  const table = /\b(?:from|into|update)\s+[`"]?(\w+)/i.exec(query.sql)?.[1];
  return table === undefined ? verb : `${verb} ${table}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
