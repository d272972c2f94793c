/**
 * npm run migrate: applies pending PostgreSQL migrations and exits. Switchboard also migrates
 * on start (under an advisory lock, so several instances may start at once); this is for
 * operators who prefer to migrate before a rolling deploy.
 */
import { migrate } from '../adapters/postgres';
import { loadConfig } from '../config';
import { createLogger } from '../logger';

const config = loadConfig();
const logger = createLogger(config.LOG_LEVEL);
migrate({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, log: (msg) => logger.info({ module: 'migrate' }, msg) })
  .then(() => logger.info('migrations applied'))
  .catch((err: unknown) => {
    logger.error({ err }, 'migration failed');
    process.exitCode = 1;
  });
