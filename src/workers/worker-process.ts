import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AriRecordingSource } from '../adapters/ari/recording-fetch';
import { SmtpMailSender } from '../adapters/mail/smtp-mail-sender';
import { migrate } from '../adapters/postgres';
import { openAnalytics } from '../adapters/postgres/analytics';
import { openMessageStore } from '../adapters/postgres/messages';
import { systemClock } from '../adapters/runtime/node-timers';
import { HttpWebhookSender } from '../adapters/webhook/http-webhook-sender';
import { MessageService } from '../messages/message-service';
import { noTranscriber, type Transcriber } from '../messages/ports';
import type { Clock } from '../ports/clock';
import { jobAttempts, recordingsAri, retryPolicy, type WorkerConfig } from './config';
import { MediaDirectory } from './media-dir';
import { OutboxSweeper } from './outbox-sweeper';
import { deliveryProcessor, startAnalyticsWorker, startWorkers, voicemailProcessor } from './processors';
import { JobQueues } from './queues';

export interface WorkerProcess {
  /** Stops taking work; active jobs finish within the grace period or are left to be given back. */
  stop(): Promise<void>;
}

/** The worker's composition root: migrations, stores, adapters, queues, workers and the sweep. */
export async function startWorkerProcess(config: WorkerConfig, opts: { logger: Logger; transcriber?: Transcriber; clock?: Clock }): Promise<WorkerProcess> {
  const logger = opts.logger;
  await migrate({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, log: (msg) => logger.debug({ module: 'migrate' }, msg) });
  const postgres = openMessageStore({
    databaseUrl: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    poolSize: config.WORKER_PG_POOL_SIZE,
    defaultClientName: config.DEFAULT_CLIENT_NAME,
    logger: logger.child({ module: 'postgres' }),
  });
  const store = postgres.store;
  const ari = recordingsAri(config);
  if (ari.demo) logger.warn({ ariUrl: ari.url }, 'no ASTERISK_ARI_URL: fetching recordings from the demo simulator');
  const mail = config.SMTP_URL ? new SmtpMailSender({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM }) : null;
  if (!mail) logger.warn('no SMTP_URL: e-mail deliveries will fail until one is set');

  const queues = new JobQueues({ redisUrl: config.REDIS_URL, prefix: config.WORKER_QUEUE_PREFIX, attempts: jobAttempts(config) });
  const policy = await queues.evictionPolicy().catch(() => null);
  if (policy !== null && policy !== 'noeviction') {
    logger.warn({ maxmemoryPolicy: policy }, 'Redis maxmemory-policy is not noeviction: Redis may evict queued jobs under memory pressure (the outbox sweep re-enqueues them, late)');
  }

  const service = new MessageService({
    store,
    recordings: new AriRecordingSource({ url: ari.url, user: ari.user, password: ari.password, timeoutMs: config.RECORDING_FETCH_TIMEOUT_MS }),
    media: new MediaDirectory(config.MEDIA_DIR),
    transcriber: opts.transcriber ?? noTranscriber,
    mail,
    webhook: new HttpWebhookSender({ timeoutMs: config.WEBHOOK_TIMEOUT_MS }),
    clock: opts.clock ?? systemClock,
    newId: randomUUID,
    log: logger.child({ module: 'messages' }),
    maxAttempts: { email: config.MAIL_MAX_ATTEMPTS, webhook: config.WEBHOOK_MAX_ATTEMPTS },
    deliveryLeaseMs: config.DELIVERY_LEASE_MS,
    mediaBaseUrl: config.MEDIA_BASE_URL ?? null,
  });

  const workerLog = logger.child({ module: 'worker' });
  const workers = startWorkers(
    {
      redisUrl: config.REDIS_URL,
      prefix: config.WORKER_QUEUE_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
      lockMs: config.WORKER_LOCK_MS,
      stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS,
      maxStalled: config.WORKER_MAX_STALLED,
      retry: retryPolicy(config),
    },
    { voicemail: voicemailProcessor({ service, store, queues, logger: workerLog }), delivery: deliveryProcessor({ service }) },
    workerLog,
  );
  const sweeper = new OutboxSweeper({
    store,
    queues,
    logger: logger.child({ module: 'outbox' }),
    pollMs: config.OUTBOX_POLL_MS,
    batch: config.OUTBOX_BATCH,
    requeueMs: config.OUTBOX_REQUEUE_MS,
  });
  sweeper.start();

  // Analytics: the incremental roll-up as a repeatable job (one schedule however many workers run).
  const analytics = openAnalytics({
    databaseUrl: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    poolSize: 2,
    config: { serviceLevelSeconds: config.ANALYTICS_SERVICE_LEVEL_SECONDS, shortAbandonSeconds: config.ANALYTICS_SHORT_ABANDON_SECONDS },
    logger: logger.child({ module: 'analytics' }),
    now: () => (opts.clock ?? systemClock).now(),
  });
  const analyticsWorker = startAnalyticsWorker(
    { redisUrl: config.REDIS_URL, prefix: config.WORKER_QUEUE_PREFIX, lockMs: config.WORKER_LOCK_MS, stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS },
    () => analytics.analytics.rollUpSinceLastRun(),
    logger.child({ module: 'analytics' }),
  );
  // Scheduled at start; while Redis is away, tried again every few seconds until it answers.
  let scheduleRetry: NodeJS.Timeout | null = null;
  const schedule = async (attempt: number): Promise<void> => {
    try {
      await queues.scheduleRollUp(config.ANALYTICS_ROLLUP_EVERY_MS);
      if (attempt > 1) logger.info('analytics roll-up scheduled');
    } catch (err) {
      if (attempt === 1) logger.warn({ err: (err as Error).message }, 'could not schedule the analytics roll-up (Redis away?); trying again');
      scheduleRetry = setTimeout(() => void schedule(attempt + 1), 5000);
      scheduleRetry.unref();
    }
  };
  await schedule(1);
  logger.info({ concurrency: config.WORKER_CONCURRENCY, prefix: config.WORKER_QUEUE_PREFIX }, 'worker started');

  return {
    async stop() {
      await sweeper.stop();
      if (scheduleRetry) clearTimeout(scheduleRetry);
      const all = [workers.voicemail, workers.delivery, analyticsWorker];
      const finished = Promise.all(all.map((w) => w.close())).then(() => true);
      const grace = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), config.WORKER_SHUTDOWN_GRACE_MS).unref());
      if (!(await Promise.race([finished, grace]))) {
        // Jobs still running keep their locks until they lapse; then another worker runs them again.
        logger.warn({ graceMs: config.WORKER_SHUTDOWN_GRACE_MS }, 'active jobs did not finish in time; leaving them to be given back');
        await Promise.all(all.map((w) => w.close(true)));
      }
      await queues.close();
      mail?.close();
      await postgres.close();
      await analytics.close();
    },
  };
}
