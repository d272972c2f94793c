import { createSwitchboard } from './app';
import { loadConfig, type Config } from './config';
import { createLogger } from './logger';

/** The composition root: config, the embedded simulator when no Asterisk is configured, signals. */
async function main(): Promise<void> {
  const config: Config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  let demo: import('./demo/demo-office').DemoOffice | undefined;
  if (!config.ASTERISK_ARI_URL) {
    const { startDemoOffice } = await import('./demo/demo-office');
    demo = await startDemoOffice({ config, logger: logger.child({ module: 'demo' }) });
    config.ASTERISK_ARI_URL = demo.ariUrl;
    config.ASTERISK_ARI_USER = demo.ariUser;
    config.ASTERISK_ARI_PASSWORD = demo.ariPassword;
    if (!config.ASTERISK_AMI_HOST && demo.sim.ami) {
      config.ASTERISK_AMI_HOST = demo.sim.ami.host;
      config.ASTERISK_AMI_PORT = demo.sim.ami.port;
      config.ASTERISK_AMI_USER = demo.sim.ami.user;
      config.ASTERISK_AMI_SECRET = demo.sim.ami.secret;
    }
    logger.info({ ariUrl: demo.ariUrl }, 'no ASTERISK_ARI_URL: running against the embedded Asterisk simulator with a demo office');
  }
  const app = await createSwitchboard(config, { logger });
  const address = await app.start();
  logger.info({ address }, 'Switchboard is up');
  demo?.run(app);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping; calls in Asterisk stay up');
    await app.stop().catch((err) => logger.error({ err }, 'stop failed'));
    await demo?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
