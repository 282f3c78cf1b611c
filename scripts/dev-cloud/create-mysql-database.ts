import { createConnection } from 'mysql2/promise';

/** Creates the database a `mysql://` URL names, if it does not exist (as the server's admin). */
export async function createMysqlDatabase(url: string): Promise<void> {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.slice(1));
  if (!/^[A-Za-z0-9_$-]{1,64}$/.test(name)) throw new Error(`unsupported database name ${name}`);
  parsed.pathname = '/';
  const admin = await createConnection({ uri: parsed.toString() });
  try {
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${name}\``);
  } finally {
    await admin.end();
  }
}
