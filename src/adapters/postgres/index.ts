import pg from 'pg';
import type { Logger } from 'pino';
import type { AnnouncementStore } from '../../ports/announcements';
import type { CallLog } from '../../ports/call-log';
import type { ClientSettingsStore } from '../../ports/client-settings';
import type { Directory, DirectoryAdmin } from '../../ports/directory';
import type { ProductUsageStore } from '../../ports/product-usage';
import { PostgresAnnouncementStore } from './announcements';
import { PostgresCallLog } from './call-log';
import { PostgresClientSettings } from './client-settings';
import { PostgresDirectory } from './directory';
import { PostgresProductUsageStore } from './product-usage';

export { migrate } from './migrate';

export interface PostgresAdapters {
  pool: pg.Pool;
  directory: Directory;
  directoryAdmin: DirectoryAdmin;
  callLog: CallLog;
  /** The client portal's settings (docs/portal.md); a greeting change reloads the directory caches. */
  clientSettings: ClientSettingsStore;
  announcements: AnnouncementStore;
  usage: ProductUsageStore;
  close(): Promise<void>;
}

/** PostgreSQL: the directory, the call log, announcements and product usage. With `schema`, every connection uses it. */
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
    clientSettings: new PostgresClientSettings(pool, opts.schema ?? 'public'),
    announcements: new PostgresAnnouncementStore(pool),
    usage: new PostgresProductUsageStore(pool),
    async close() {
      await callLog.flush();
      await directory.close();
      await pool.end();
    },
  };
}
