import type { Request, Response } from '@google-cloud/functions-framework';
import { databaseConfigFromEnv } from '../shared/adapters/database-config.js';
import { openDatabase } from '../shared/adapters/open-database.js';
import { logger } from '../shared/logging/logger.js';
import { grantDml } from '../shared/records/grant-dml.js';
import { migrateToLatest } from '../shared/records/migrate.js';

/**
 * `migrate` (HTTP, POST): applies the pending migrations as the migrator identity, the one
 * database user with DDL privileges, then grants the functions' users (`METDB_GRANT_DML_TO`,
 * comma-separated) SELECT, INSERT, UPDATE, DELETE and nothing else. Called by the deploy workflow
 * after `terraform apply`, with an identity token of the deployer (the only invoker).
 * Answers 200 `{executed, granted}` or 500 with the error's message.
 */
export async function migrate(req: Request, res: Response): Promise<void> {
  if (req.method !== 'POST') {
    res.status(405).json({ error: 'POST to apply the migrations' });
    return;
  }
  const log = logger.child({ component: 'migrate' });
  try {
    const handle = await openDatabase(databaseConfigFromEnv());
    const { executed } = await migrateToLatest(handle.db);
    const users = (process.env.METDB_GRANT_DML_TO ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter((u) => u !== '');
    await grantDml(handle.db, process.env.METDB_DB_NAME ?? '', users);
    log.info(`migrate: applied ${executed.length} migration(s), granted DML to ${users.length} user(s)`, {
      executed,
      granted: users,
    });
    res.status(200).json({ executed, granted: users });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error(`migrate: failed: ${message}`, { error });
    res.status(500).json({ error: message });
  }
}
