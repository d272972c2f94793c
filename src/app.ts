import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AriCallControl } from './adapters/ari/ari-call-control';
import { AriConnection } from './adapters/ari/ari-connection';
import { createPostgres, migrate } from './adapters/postgres';
import { PrometheusMetrics } from './adapters/metrics/prometheus';
import { PostgresDialplanData } from './adapters/postgres/dialplan-data';
import { dialplanRoutes, startFastAgiServer, type FastAgiServer } from './agi';
import { createRedisLiveState } from './adapters/redis';
import { NodeTimers, systemClock } from './adapters/runtime/node-timers';
import { NoticeHub } from './adapters/runtime/notice-hub';
import { CallService } from './calls/call-service';
import { defaultClientProfile, type Config } from './config';
import { buildHttp } from './http/server';
import { moduleLogger, parseModuleLevels } from './logger';
import type { Clock } from './ports/clock';
import type { DirectoryAdmin } from './ports/directory';

export interface SwitchboardApp {
  readonly calls: CallService;
  readonly http: FastifyInstance;
  readonly ari: AriConnection;
  readonly directoryAdmin: DirectoryAdmin;
  readonly hub: NoticeHub;
  readonly metrics: PrometheusMetrics;
  /** The FastAGI server's port once started (null when disabled). */
  readonly fastAgiPort: number | null;
  /** Listens on HTTP and connects to Asterisk; resolves with the HTTP address. */
  start(): Promise<string>;
  /** Stops taking events and closes connections; calls in Asterisk stay up. */
  stop(): Promise<void>;
}

/** The composition root's parts, built once per process (tests build several). */
export async function createSwitchboard(config: Config, opts: { logger: Logger; clock?: Clock }): Promise<SwitchboardApp> {
  const levels = parseModuleLevels(config.LOG_LEVELS);
  const log = (module: string) => moduleLogger(opts.logger, module, levels);
  const logger = opts.logger;
  const clock = opts.clock ?? systemClock;
  if (!config.ASTERISK_ARI_URL) throw new Error('ASTERISK_ARI_URL is required here (main.ts starts the simulator when it is absent)');

  await migrate({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, log: (msg) => logger.debug({ module: 'migrate' }, msg) });
  const pg = await createPostgres({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, logger: log('postgres') });
  const redis = createRedisLiveState({ redisUrl: config.REDIS_URL, keyPrefix: config.REDIS_PREFIX, logger: log('redis') });

  const ari = new AriConnection({
    url: config.ASTERISK_ARI_URL,
    user: config.ASTERISK_ARI_USER,
    password: config.ASTERISK_ARI_PASSWORD,
    app: config.ARI_APP,
    requestTimeoutMs: config.ARI_REQUEST_TIMEOUT_MS,
    heartbeatMs: config.ARI_HEARTBEAT_MS,
    logger: log('ari'),
  });
  const hub = new NoticeHub();
  // Gauges read the live state when scraped; `calls` exists by then.
  const metrics: PrometheusMetrics = new PrometheusMetrics({
    waitingSince: (): number[] => calls.waiting().map((c) => c.arrivedAt),
    receptionistStates: (): string[] => calls.receptionists().map((r) => r.presence.kind),
    connections: () => [{ peer: 'ari', connected: ari.isConnected, reconnects: ari.reconnects }],
  }, { now: () => clock.now() });
  const calls: CallService = new CallService({
    app: config.ARI_APP,
    pbx: new AriCallControl(ari, config.ARI_APP),
    directory: pg.directory,
    liveState: redis.store,
    callLog: pg.callLog,
    notifier: hub,
    timers: new NodeTimers(),
    clock,
    logger: log('calls'),
    metrics,
    defaultClient: defaultClientProfile(config),
  });
  ari.on('event', (event) => calls.onAriEvent(event));
  ari.on('connected', () => {
    calls.onPbxConnected().catch((err) => logger.error({ err }, 'reconciliation with Asterisk failed'));
  });

  const http = buildHttp({
    logger: log('http'),
    metrics,
    apiToken: config.SWITCHBOARD_API_TOKEN,
    calls,
    callLog: pg.callLog,
    hub,
    clock,
    health: {
      check: async () => {
        // Each probe is bounded: a dependency that hangs is as not-ready as one that refuses.
        const answers = (probe: Promise<unknown>) =>
          Promise.race([probe.then(() => true, () => false), new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref())]);
        const [postgres, redisOk] = await Promise.all([answers(pg.pool.query('SELECT 1')), answers(redis.redis.ping())]);
        return { asterisk: ari.isConnected, postgres, redis: redisOk };
      },
    },
  });

  let started = false;
  let fastAgi: FastAgiServer | null = null;
  return {
    calls,
    http,
    ari,
    hub,
    metrics,
    directoryAdmin: pg.directoryAdmin,
    async start() {
      const address = await http.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
      started = true;
      if (config.FASTAGI_ENABLED) {
        // Dialplan lookups (docs/fastagi.md): the same clients and numbers the queue uses.
        fastAgi = await startFastAgiServer({
          host: config.FASTAGI_HOST,
          port: config.FASTAGI_PORT,
          maxSessions: config.FASTAGI_MAX_SESSIONS,
          maxLineBytes: config.FASTAGI_MAX_LINE_BYTES,
          environmentTimeoutMs: config.FASTAGI_ENV_TIMEOUT_MS,
          responseTimeoutMs: config.FASTAGI_RESPONSE_TIMEOUT_MS,
          lookupTimeoutMs: config.FASTAGI_LOOKUP_TIMEOUT_MS,
          sessionTimeoutMs: config.FASTAGI_SESSION_TIMEOUT_MS,
          routes: dialplanRoutes({
            data: new PostgresDialplanData(pg.pool),
            clock,
            defaults: { clientName: config.DEFAULT_CLIENT_NAME, voicemailBox: config.DEFAULT_VOICEMAIL_BOX },
          }),
          logger: log('agi'),
        });
      }
      ari.start();
      return address;
    },
    get fastAgiPort() {
      return fastAgi?.port ?? null;
    },
    async stop() {
      await ari.stop();
      await fastAgi?.close();
      fastAgi = null;
      await calls.stop();
      if (started) await http.close();
      await redis.close();
      await pg.close();
    },
  };
}
