import { createLogger } from '../logger';
import { loadWorkerConfig } from './config';
import { startWorkerProcess } from './worker-process';

/** `npm run worker`: the message worker beside the call server (docs/workers.md). */
async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const logger = createLogger(config.LOG_LEVEL).child({ process: 'worker' });
  const worker = await startWorkerProcess(config, { logger });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing active jobs');
    let code = 0;
    await worker.stop().catch((err) => {
      code = 1;
      logger.error({ err }, 'stop failed');
    });
    logger.info('worker stopped');
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
