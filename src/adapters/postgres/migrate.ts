import { runner } from 'node-pg-migrate';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../migrations');

/** Brings the schema up to date; node-pg-migrate's advisory lock lets instances start together. */
export async function migrate(opts: { databaseUrl: string; schema?: string; log?: (msg: string) => void }): Promise<void> {
  await runner({
    databaseUrl: opts.databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    schema: opts.schema ?? 'public',
    createSchema: true,
    checkOrder: true,
    // Wait for another instance's migration instead of failing (both start at once in a deploy).
    advisoryLockMode: 'wait',
    log: opts.log ?? (() => undefined),
  });
}
