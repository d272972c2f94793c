import type { Job } from 'bullmq';
import { deliveryJobId, voicemailJobId } from '../messages/job-ids';
import type { Delivery } from '../messages/model';
import type { MessageStore } from '../messages/ports';
import { QUEUE_NAMES, type DeliveryJobData, type JobData, type JobQueues, type QueueName, type VoicemailJobData } from './queues';

export interface QueueCounts {
  queue: QueueName;
  waiting: number;
  active: number;
  delayed: number;
  prioritized: number;
  failed: number;
  completed: number;
}

export interface FailedJobView {
  queue: QueueName;
  jobId: string;
  /** Ids only (callId or deliveryId): jobs carry no personal data. */
  data: JobData;
  failedReason: string;
  attemptsMade: number;
  failedAt: number | null;
}

export type RetryResult = 'retried' | 'not-failed' | 'no-such-job';

const COUNTED = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

/**
 * What operators need of the queues (the call server's HTTP routes call it): counts per queue,
 * failed jobs with their reasons, and retrying them. A retry first resets the PostgreSQL row,
 * which is what the job checks before it sends anything.
 */
export class WorkerAdmin {
  constructor(
    private readonly queues: JobQueues,
    private readonly store: Pick<MessageStore, 'deliveries' | 'failedVoicemails' | 'resetDelivery' | 'resetVoicemail'>,
  ) {}

  async queueCounts(): Promise<QueueCounts[]> {
    return Promise.all(
      QUEUE_NAMES.map(async (queue) => {
        const counts = await this.queues.queue(queue).getJobCounts(...COUNTED);
        const row = { queue } as QueueCounts;
        for (const key of COUNTED) row[key] = counts[key] ?? 0;
        return row;
      }),
    );
  }

  async failedJobs(queue: QueueName, opts: { offset?: number; limit?: number } = {}): Promise<FailedJobView[]> {
    const start = opts.offset ?? 0;
    const jobs = (await this.queues.queue(queue).getFailed(start, start + (opts.limit ?? 50) - 1)) as Array<Job<JobData> | undefined>;
    return jobs
      .filter((j): j is Job<JobData> => !!j)
      .map((j) => ({ queue, jobId: String(j.id), data: j.data, failedReason: j.failedReason ?? '', attemptsMade: j.attemptsMade, failedAt: j.finishedOn ?? null }));
  }

  /** Deliveries that failed for good, newest first, with their last error (PostgreSQL's view). */
  failedDeliveries(limit = 50): Promise<Delivery[]> {
    return this.store.deliveries({ status: 'failed', limit });
  }

  failedVoicemails(limit = 50): Promise<Array<{ callId: string; reason: string; failedAt: number }>> {
    return this.store.failedVoicemails(limit);
  }

  /** Retries a failed job by its id, as listed by failedJobs. */
  async retryJob(queue: QueueName, jobId: string): Promise<RetryResult> {
    const job = (await this.queues.queue(queue).getJob(jobId)) as Job<JobData> | undefined;
    if (!job) return 'no-such-job';
    if (queue === 'analytics') {
      if ((await job.getState()) !== 'failed') return 'not-failed';
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      return 'retried';
    }
    if (queue === 'delivery') return this.retryDelivery((job.data as DeliveryJobData).deliveryId);
    return this.retryVoicemail((job.data as VoicemailJobData).callId);
  }

  /** A delivery that failed for good: back to pending with its attempts reset, and run again. */
  async retryDelivery(deliveryId: string): Promise<RetryResult> {
    const reset = await this.store.resetDelivery(deliveryId);
    const requeued = await this.requeue('delivery', deliveryJobId(deliveryId), () => this.queues.enqueueDeliveries([deliveryId]));
    return reset || requeued ? 'retried' : 'not-failed';
  }

  /** A voicemail that could not become a message: back in the outbox, and run again. */
  async retryVoicemail(callId: string): Promise<RetryResult> {
    const reset = await this.store.resetVoicemail(callId);
    const requeued = await this.requeue('voicemail', voicemailJobId(callId), () => this.queues.enqueueVoicemails([callId]));
    return reset || requeued ? 'retried' : 'not-failed';
  }

  /** Retries the job if it failed; adds it again if Redis no longer has it. true when it will run. */
  private async requeue(queue: QueueName, jobId: string, add: () => Promise<void>): Promise<boolean> {
    const job = await this.queues.queue(queue).getJob(jobId);
    if (!job) {
      await add();
      return true;
    }
    const state = await job.getState();
    if (state !== 'failed' && state !== 'completed') return false;
    await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  }
}
