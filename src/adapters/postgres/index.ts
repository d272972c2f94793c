import pg from 'pg';
import type { Logger } from 'pino';
import type { CallLog } from '../../ports/call-log';
import type { Directory, DirectoryAdmin } from '../../ports/directory';
import { PostgresCallLog } from './call-log';
import { PostgresDirectory } from './directory';

export { migrate } from './migrate';

export interface PostgresAdapters {
  pool: pg.Pool;
  directory: Directory;
  directoryAdmin: DirectoryAdmin;
  callLog: CallLog;
  close(): Promise<void>;
}

/** PostgreSQL: the directory and the call log. With `schema`, every connection uses it. */
export async function createPostgres(opts: { databaseUrl: string; schema?: string; logger: Logger; callLogBatchMs?: number }): Promise<PostgresAdapters> {
  const connection: pg.ClientConfig = {
    connectionString: opts.databaseUrl,
    options: opts.schema ? `-c search_path=${opts.schema}` : undefined,
  };
  const pool = new pg.Pool({ ...connection, max: 10, connectionTimeoutMillis: 5000 });
  // An idle client losing its server (PostgreSQL restart) must not crash the process.
  pool.on('error', (err) => opts.logger.warn({ err: err.message }, 'idle PostgreSQL connection lost'));
  const directory = new PostgresDirectory(pool, connection, opts.schema ?? 'public', opts.logger);
  await directory.start();
  const callLog = new PostgresCallLog(pool, opts.logger, opts.callLogBatchMs);
  return {
    pool,
    directory,
    directoryAdmin: directory,
    callLog,
    async close() {
      await callLog.flush();
      await directory.close();
      await pool.end();
    },
  };
}
