import { Queue, type JobsOptions, type RedisOptions } from 'bullmq';
import { deliveryJobId, voicemailJobId } from '../messages/job-ids';

export type QueueName = 'voicemail' | 'delivery' | 'analytics';
export const QUEUE_NAMES: readonly QueueName[] = ['voicemail', 'delivery', 'analytics'];

/** Jobs carry ids only; everything personal stays in PostgreSQL. */
export interface VoicemailJobData {
  callId: string;
}
export interface DeliveryJobData {
  deliveryId: string;
}
/** The repeatable analytics roll-up (`rollUpSinceLastRun`): no data, one scheduler. */
export interface AnalyticsJobData {
  kind: 'roll-up';
}
export type JobData = VoicemailJobData | DeliveryJobData | AnalyticsJobData;

export const ROLL_UP_SCHEDULER_ID = 'analytics-roll-up';

/** Our backoff, computed by src/messages/backoff.ts (the worker's backoffStrategy). */
export const BACKOFF_TYPE = 'switchboard';

/**
 * Redis connection options for BullMQ: workers need `maxRetriesPerRequest: null`; ioredis
 * reconnects forever, capped at 5 s between tries, so a Redis outage only pauses the work.
 */
export function redisConnection(redisUrl: string, opts: { failFast?: boolean } = {}): RedisOptions {
  return {
    url: redisUrl,
    maxRetriesPerRequest: opts.failFast ? 1 : null,
    // Producers fail fast while Redis is away (the outbox keeps the work); workers wait.
    enableOfflineQueue: !opts.failFast,
    retryStrategy: (times: number) => Math.min(200 * times, 5000),
  };
}

/** The producer side: adds jobs under ids derived from what they are about, so adding twice is a no-op. */
export class JobQueues {
  readonly voicemail: Queue<VoicemailJobData>;
  readonly delivery: Queue<DeliveryJobData>;
  readonly analytics: Queue<AnalyticsJobData>;

  constructor(opts: { redisUrl: string; prefix: string; attempts: Record<'voicemail' | 'delivery', number> }) {
    const connection = redisConnection(opts.redisUrl, { failFast: true });
    const defaults = (attempts: number): JobsOptions => ({
      attempts,
      backoff: { type: BACKOFF_TYPE },
      // Finished jobs are kept a while for the admin view; PostgreSQL holds the lasting record.
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 30 * 24 * 3600 },
    });
    this.voicemail = new Queue<VoicemailJobData>('voicemail', { connection, prefix: opts.prefix, defaultJobOptions: defaults(opts.attempts.voicemail) });
    this.delivery = new Queue<DeliveryJobData>('delivery', { connection, prefix: opts.prefix, defaultJobOptions: defaults(opts.attempts.delivery) });
    // One try per run: the next run (a minute later) recomputes the same intervals anyway.
    this.analytics = new Queue<AnalyticsJobData>('analytics', {
      connection,
      prefix: opts.prefix,
      defaultJobOptions: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { age: 7 * 24 * 3600, count: 1000 } },
    });
    // Errors surface on the calls that failed; the queues' own 'error' events must not crash us.
    this.voicemail.on('error', () => undefined);
    this.delivery.on('error', () => undefined);
    this.analytics.on('error', () => undefined);
  }

  queue(name: QueueName): Queue<JobData> {
    return (name === 'voicemail' ? this.voicemail : name === 'delivery' ? this.delivery : this.analytics) as Queue<JobData>;
  }

  /**
   * The incremental roll-up every `everyMs` (0: never). A job scheduler, so however many worker
   * processes start, there is one schedule, and an upsert with a new interval replaces it.
   */
  async scheduleRollUp(everyMs: number): Promise<void> {
    if (everyMs <= 0) {
      await this.analytics.removeJobScheduler(ROLL_UP_SCHEDULER_ID);
      return;
    }
    await this.analytics.upsertJobScheduler(ROLL_UP_SCHEDULER_ID, { every: everyMs }, { name: 'roll-up', data: { kind: 'roll-up' } });
  }

  async enqueueVoicemails(callIds: string[]): Promise<void> {
    if (callIds.length === 0) return;
    await this.voicemail.addBulk(callIds.map((callId) => ({ name: 'voicemail', data: { callId }, opts: { jobId: voicemailJobId(callId) } })));
  }

  async enqueueDeliveries(deliveryIds: string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    await this.delivery.addBulk(deliveryIds.map((deliveryId) => ({ name: 'delivery', data: { deliveryId }, opts: { jobId: deliveryJobId(deliveryId) } })));
  }

  /** Redis's `maxmemory-policy`: anything but `noeviction` can silently drop jobs. */
  async evictionPolicy(): Promise<string | null> {
    const client = await this.voicemail.getBackend().client;
    const info = await client.info();
    return /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? null;
  }

  async close(): Promise<void> {
    await Promise.all([this.voicemail.close(), this.delivery.close(), this.analytics.close()]);
  }
}
