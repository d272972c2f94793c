import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AriCallControl } from './adapters/ari/ari-call-control';
import { AriConnection } from './adapters/ari/ari-connection';
import { AmiPbxAdmin, AmiPhoneReachability, createAmiClient, type AmiConnection } from './adapters/ami';
import { createPostgres, migrate } from './adapters/postgres';
import { PrometheusMetrics } from './adapters/metrics/prometheus';
import { PostgresDialplanData } from './adapters/postgres/dialplan-data';
import { PostgresUserStore } from './adapters/postgres/users';
import { openCallAnalyticsFeed, PostgresAnalytics } from './adapters/postgres/analytics';
import { PostgresCallStats } from './adapters/postgres/call-stats';
import { PostgresCallerHistory } from './adapters/postgres/caller-history';
import { CallerNotes } from './calls/caller-notes';
import { WallboardFigures } from './analytics/wallboard';
import { lazyMessagingClient } from './workers/messaging-client';
import { dialplanRoutes, startFastAgiServer, type FastAgiServer } from './agi';
import { createRedisLiveState } from './adapters/redis';
import { NodeTimers, systemClock } from './adapters/runtime/node-timers';
import { NoticeHub } from './adapters/runtime/notice-hub';
import { CallService } from './calls/call-service';
import { CallbackApi } from './calls/callback-api';
import { PostgresCallbackStore } from './adapters/postgres/callbacks';
import { FallbackQueueKeeper } from './calls/fallback-queue-keeper';
import { analyticsSettings, callbackPolicy, callbackPromptRules, defaultClientProfile, featureCodeSettings, parkSettings, transferSettings, type Config } from './config';
import { buildHttp } from './http/server';
import { moduleLogger, parseModuleLevels } from './logger';
import type { Clock } from './ports/clock';
import type { DirectoryAdmin } from './ports/directory';
import type { PbxAdmin } from './ports/pbx-admin';

export interface SwitchboardApp {
  readonly calls: CallService;
  readonly http: FastifyInstance;
  readonly ari: AriConnection;
  /** The AMI connection, when ASTERISK_AMI_HOST is set. */
  readonly ami: AmiConnection | null;
  /** Reloads and fallback-queue membership over AMI; null without AMI. */
  readonly pbxAdmin: PbxAdmin | null;
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
  // AMI is optional: without it, phone reachability comes from ARI endpoint events alone and the
  // fallback queue keeps the members queues.conf gives it.
  const ami: AmiConnection | null = config.ASTERISK_AMI_HOST
    ? createAmiClient({
        host: config.ASTERISK_AMI_HOST,
        port: config.ASTERISK_AMI_PORT,
        user: config.ASTERISK_AMI_USER,
        secret: config.ASTERISK_AMI_SECRET,
        actionTimeoutMs: config.AMI_ACTION_TIMEOUT_MS,
        keepaliveMs: config.AMI_KEEPALIVE_MS,
        connectTimeoutMs: config.AMI_CONNECT_TIMEOUT_MS,
        logger: log('ami'),
      })
    : null;
  const pbxAdmin: PbxAdmin | null = ami ? new AmiPbxAdmin(ami, log('ami')) : null;
  const hub = new NoticeHub();
  // Analytics: presence history and queue_log fed by the call service; figures, bills, recomputes for the API.
  const analyticsFeed = await openCallAnalyticsFeed({ pool: pg.pool, logger: log('analytics'), queueLogFile: config.QUEUE_LOG_FILE, agent: config.QUEUE_LOG_AGENT });
  const analytics = new PostgresAnalytics(pg.pool, () => clock.now(), analyticsSettings(config));
  // Notes about the caller on the receptionist's screen: caller lists and earlier calls.
  const callerNotes = new CallerNotes(new PostgresDialplanData(pg.pool), new PostgresCallerHistory(pg.pool));
  const wallboard = new WallboardFigures(new PostgresCallStats(pg.pool), clock, { timeZone: config.COMPANY_TIME_ZONE, options: analytics.options });
  // Typed messages and the jobs admin: the worker's queues, producer side, opened on first use.
  const messaging = lazyMessagingClient({ logger: log('messages'), shared: config, clock });
  // Gauges read the live state when scraped; `calls` exists by then.
  const metrics: PrometheusMetrics = new PrometheusMetrics({
    waitingSince: (): number[] => calls.waiting().map((c) => c.arrivedAt),
    receptionistStates: (): string[] => calls.receptionists().map((r) => r.presence.kind),
    connections: () => [
      { peer: 'ari', connected: ari.isConnected, reconnects: ari.reconnects },
      ...(ami ? [{ peer: 'ami', connected: ami.isConnected, reconnects: ami.reconnects }] : []),
    ],
    // The workers' queues as Redis holds them: depth and failures per queue.
    jobQueues: async () => (await messaging.admin.queueCounts()).map(({ queue, ...counts }) => ({ queue, counts })),
  }, { now: () => clock.now() });
  // Callbacks (docs/callbacks.md): PostgreSQL holds them and their attempt outbox.
  const callbackStore = new PostgresCallbackStore(pg.pool, log('calls'));
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
    analytics: analyticsFeed.feed,
    callbacks: { store: callbackStore, prompt: callbackPromptRules(config), policy: callbackPolicy(config), dialTemplate: config.CALLBACK_DIAL_TEMPLATE },
    features: { codes: featureCodeSettings(config), errorMedia: [config.FEATURE_ERROR_MEDIA], transfers: transferSettings(config), park: parkSettings(config) },
  });
  ari.on('event', (event) => calls.onAriEvent(event));

  const reachability = ami ? new AmiPhoneReachability(ami, log('ami')) : null;
  reachability?.onReachability((change) => void calls.phoneReachabilityChanged(change));
  const fallbackQueue =
    ami && pbxAdmin && config.AMI_FALLBACK_QUEUE
      ? new FallbackQueueKeeper({ admin: pbxAdmin, queue: config.AMI_FALLBACK_QUEUE, loggedInEndpoints: () => calls.loggedInEndpoints(), logger: log('ami') })
      : null;
  if (ami && fallbackQueue) ami.onConnected(() => fallbackQueue.pbxConnected());
  if (fallbackQueue) hub.subscribe((notice) => notice.type === 'receptionist' && fallbackQueue.rosterChanged());

  ari.on('connected', () => {
    calls
      .onPbxConnected()
      .then(async () => {
        // Reconcile rebuilt receptionists from the store; what AMI knows now about their phones is newer.
        if (!reachability) return;
        for (const endpoint of calls.phoneEndpoints()) {
          const known = reachability.current(endpoint);
          if (known) await calls.phoneReachabilityChanged(known);
        }
        fallbackQueue?.rosterChanged();
      })
      .catch((err) => logger.error({ err }, 'reconciliation with Asterisk failed'));
  });

  const http = buildHttp({
    logger: log('http'),
    metrics,
    apiToken: config.SWITCHBOARD_API_TOKEN,
    auth: {
      users: new PostgresUserStore(pg.pool),
      mode: config.API_AUTH ?? 'required',
      sessionTtlMs: config.SESSION_TTL_HOURS * 3_600_000,
      loginLimit: { maxFailures: config.LOGIN_MAX_FAILURES, windowMs: 15 * 60_000 },
    },
    calls,
    callLog: pg.callLog,
    hub,
    clock,
    pbxAdmin,
    messaging,
    jobs: messaging,
    analytics,
    wallboard,
    live: { directory: pg.directory, changes: (listener) => ari.on('event', listener), callerNote: (call) => callerNotes.noteFor(call) },
    clientSettings: { store: pg.clientSettings, policy: transferSettings(config).policy },
    announcements: pg.announcements,
    usage: pg.usage,
    callbacks: new CallbackApi({ calls, store: callbackStore, directory: pg.directory, clock, rules: { pattern: config.CALLBACK_NUMBER_PATTERN } }),
    health: {
      check: async () => {
        // Each probe is bounded: a dependency that hangs is as not-ready as one that refuses.
        const answers = (probe: Promise<unknown>) =>
          Promise.race([probe.then(() => true, () => false), new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref())]);
        const [postgres, redisOk] = await Promise.all([answers(pg.pool.query('SELECT 1')), answers(redis.redis.ping())]);
        // Asterisk counts once connected and reconciled: before that the queue and states are not rebuilt.
        return { asterisk: ari.isConnected && calls.reconciled, postgres, redis: redisOk };
      },
    },
  });

  if (config.API_AUTH === 'open') logger.warn({ apiAuth: 'open', host: config.HTTP_HOST }, 'the HTTP API is open: anonymous requests act with admin rights (demo on loopback, or API_AUTH=open)');

  let started = false;
  let fastAgi: FastAgiServer | null = null;
  return {
    calls,
    http,
    ari,
    ami,
    pbxAdmin,
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
      ami?.start();
      return address;
    },
    get fastAgiPort() {
      return fastAgi?.port ?? null;
    },
    async stop() {
      await ari.stop();
      fallbackQueue?.stop();
      reachability?.close();
      await ami?.stop();
      await fastAgi?.close();
      fastAgi = null;
      await calls.stop();
      await callbackStore.flush();
      await analyticsFeed.close();
      await messaging.close();
      if (started) await http.close();
      await redis.close();
      await pg.close();
    },
  };
}
