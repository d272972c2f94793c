import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AriCallControl } from './adapters/ari/ari-call-control';
import { AriConnection } from './adapters/ari/ari-connection';
import { createPostgres, migrate } from './adapters/postgres';
import { createRedisLiveState } from './adapters/redis';
import { NodeTimers, systemClock } from './adapters/runtime/node-timers';
import { NoticeHub } from './adapters/runtime/notice-hub';
import { CallService } from './calls/call-service';
import { defaultClientProfile, type Config } from './config';
import { buildHttp } from './http/server';
import type { Clock } from './ports/clock';
import type { DirectoryAdmin } from './ports/directory';

export interface SwitchboardApp {
  readonly calls: CallService;
  readonly http: FastifyInstance;
  readonly ari: AriConnection;
  readonly directoryAdmin: DirectoryAdmin;
  readonly hub: NoticeHub;
  /** Listens on HTTP and connects to Asterisk; resolves with the HTTP address. */
  start(): Promise<string>;
  /** Stops taking events and closes connections; calls in Asterisk stay up. */
  stop(): Promise<void>;
}

/** The composition root's parts, built once per process (tests build several). */
export async function createSwitchboard(config: Config, opts: { logger: Logger; clock?: Clock }): Promise<SwitchboardApp> {
  const { logger } = opts;
  const clock = opts.clock ?? systemClock;
  if (!config.ASTERISK_ARI_URL) throw new Error('ASTERISK_ARI_URL is required here (main.ts starts the simulator when it is absent)');

  await migrate({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, log: (msg) => logger.debug({ module: 'migrate' }, msg) });
  const pg = await createPostgres({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, logger: logger.child({ module: 'postgres' }) });
  const redis = createRedisLiveState({ redisUrl: config.REDIS_URL, keyPrefix: config.REDIS_PREFIX, logger: logger.child({ module: 'redis' }) });

  const ari = new AriConnection({
    url: config.ASTERISK_ARI_URL,
    user: config.ASTERISK_ARI_USER,
    password: config.ASTERISK_ARI_PASSWORD,
    app: config.ARI_APP,
    requestTimeoutMs: config.ARI_REQUEST_TIMEOUT_MS,
    heartbeatMs: config.ARI_HEARTBEAT_MS,
    logger: logger.child({ module: 'ari' }),
  });
  const hub = new NoticeHub();
  const calls = new CallService({
    app: config.ARI_APP,
    pbx: new AriCallControl(ari, config.ARI_APP),
    directory: pg.directory,
    liveState: redis.store,
    callLog: pg.callLog,
    notifier: hub,
    timers: new NodeTimers(),
    clock,
    logger: logger.child({ module: 'calls' }),
    defaultClient: defaultClientProfile(config),
  });
  ari.on('event', (event) => calls.onAriEvent(event));
  ari.on('connected', () => {
    calls.onPbxConnected().catch((err) => logger.error({ err }, 'reconciliation with Asterisk failed'));
  });

  const http = buildHttp({
    logger,
    apiToken: config.SWITCHBOARD_API_TOKEN,
    calls,
    callLog: pg.callLog,
    hub,
    clock,
    health: {
      check: async () => {
        const [postgres, redisOk] = await Promise.all([
          pg.pool.query('SELECT 1').then(() => true, () => false),
          redis.redis.ping().then(() => true, () => false),
        ]);
        return { asterisk: ari.isConnected, postgres, redis: redisOk };
      },
    },
  });

  let started = false;
  return {
    calls,
    http,
    ari,
    hub,
    directoryAdmin: pg.directoryAdmin,
    async start() {
      const address = await http.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
      started = true;
      ari.start();
      return address;
    },
    async stop() {
      await ari.stop();
      await calls.stop();
      if (started) await http.close();
      await redis.close();
      await pg.close();
    },
  };
}
