import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { retryDelayMs, type RetryPolicy } from '../messages/backoff';
import { PermanentError, reasonOf } from '../messages/errors';
import type { MessageService } from '../messages/message-service';
import type { MessageStore } from '../messages/ports';
import { redisConnection, type AnalyticsJobData, type DeliveryJobData, type JobQueues, type VoicemailJobData } from './queues';

export interface ProcessorOptions {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  lockMs: number;
  stalledIntervalMs: number;
  maxStalled: number;
  retry: RetryPolicy;
}

/** Voicemail jobs: make the message, then enqueue its deliveries. */
export function voicemailProcessor(deps: { service: MessageService; store: Pick<MessageStore, 'releasePendingDeliveries'>; queues: Pick<JobQueues, 'enqueueDeliveries'>; logger: Logger }) {
  return async (job: Job<VoicemailJobData>): Promise<string> => {
    const { callId } = job.data;
    let saved;
    try {
      saved = await deps.service.voicemailToMessage(callId);
    } catch (err) {
      const permanent = err instanceof PermanentError;
      if (permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        // The last try: the outbox row says why, for the admin view; the sweep leaves it.
        await deps.service.voicemailFailed(callId, err).catch((e) => deps.logger.error({ callId, err: reasonOf(e) }, 'could not record voicemail failure'));
      }
      throw permanent ? new UnrecoverableError(reasonOf(err)) : err;
    }
    if (!saved) return 'no-such-voicemail';
    await deps.queues.enqueueDeliveries(saved.pendingDeliveryIds).catch(async (err) => {
      // Saved in PostgreSQL: the sweep enqueues them once Redis answers.
      deps.logger.warn({ callId, messageId: saved.messageId, err: reasonOf(err) }, 'could not enqueue deliveries; the outbox sweep will');
      await deps.store.releasePendingDeliveries(saved.pendingDeliveryIds).catch(() => undefined);
    });
    return saved.messageId;
  };
}

/** Delivery jobs: one attempt each; a PermanentError (including "failed N times") ends retries. */
export function deliveryProcessor(deps: { service: MessageService }) {
  return async (job: Job<DeliveryJobData>): Promise<string> => {
    try {
      return await deps.service.deliver(job.data.deliveryId);
    } catch (err) {
      if (err instanceof PermanentError) throw new UnrecoverableError(reasonOf(err));
      throw err;
    }
  };
}

/** The BullMQ workers for both queues, with our backoff and lock settings. */
export function startWorkers(
  opts: ProcessorOptions,
  processors: { voicemail: (job: Job<VoicemailJobData>) => Promise<string>; delivery: (job: Job<DeliveryJobData>) => Promise<string> },
  logger: Logger,
): { voicemail: Worker<VoicemailJobData>; delivery: Worker<DeliveryJobData> } {
  const common = {
    connection: redisConnection(opts.redisUrl),
    prefix: opts.prefix,
    concurrency: opts.concurrency,
    lockDuration: opts.lockMs,
    stalledInterval: opts.stalledIntervalMs,
    maxStalledCount: opts.maxStalled,
    settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, opts.retry, Math.random()) },
  };
  const voicemail = new Worker<VoicemailJobData>('voicemail', processors.voicemail, common);
  const delivery = new Worker<DeliveryJobData>('delivery', processors.delivery, common);
  for (const [queue, worker] of [['voicemail', voicemail], ['delivery', delivery]] as const) {
    let errors = 0;
    // Connection errors repeat every reconnect try while Redis is down: log the first and then few.
    worker.on('error', (err) => {
      errors += 1;
      if (errors === 1 || errors % 50 === 0) logger.warn({ queue, err: err.message, errors }, 'queue worker error (Redis unreachable?); reconnecting');
    });
    worker.on('ready', () => {
      if (errors) logger.info({ queue }, 'queue worker connected again');
      errors = 0;
    });
    worker.on('failed', (job, err) => {
      if (!job) return;
      const final = err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      logger[final ? 'error' : 'warn']({ queue, jobId: job.id, attempt: job.attemptsMade, final, err: err.message }, final ? 'job failed for good' : 'job failed; will retry');
    });
    worker.on('stalled', (jobId) => logger.warn({ queue, jobId }, 'job given back by a worker that stopped; it will run again'));
  }
  return { voicemail, delivery };
}

/**
 * The analytics queue's worker: one job at a time (the roll-up also takes an advisory lock, so
 * several worker processes never run it at once). Each run recomputes what changed since the last.
 */
export function startAnalyticsWorker(
  opts: Pick<ProcessorOptions, 'redisUrl' | 'prefix' | 'lockMs' | 'stalledIntervalMs'>,
  rollUp: () => Promise<{ windows: number; intervals: number; calls: number; rows: number }>,
  logger: Logger,
): Worker<AnalyticsJobData> {
  const worker = new Worker<AnalyticsJobData>(
    'analytics',
    async () => {
      const started = performance.now();
      const report = await rollUp();
      logger.debug({ ...report, ms: Math.round(performance.now() - started) }, 'analytics rolled up');
      return JSON.stringify(report);
    },
    { connection: redisConnection(opts.redisUrl), prefix: opts.prefix, concurrency: 1, lockDuration: Math.max(opts.lockMs, 300_000), stalledInterval: opts.stalledIntervalMs },
  );
  let errors = 0;
  worker.on('error', (err) => {
    errors += 1;
    if (errors === 1 || errors % 50 === 0) logger.warn({ queue: 'analytics', err: err.message, errors }, 'queue worker error (Redis unreachable?); reconnecting');
  });
  worker.on('failed', (job, err) => logger.error({ queue: 'analytics', jobId: job?.id, err: err.message }, 'analytics roll-up failed; the next run retries'));
  return worker;
}
