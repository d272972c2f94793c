import type { Logger } from 'pino';
import type { MessageStore } from '../messages/ports';
import type { JobQueues } from './queues';

/**
 * Hands PostgreSQL's outstanding work to the queues: voicemails with no message yet, and
 * deliveries still pending whose job may have been lost (Redis down or flushed, a crash between
 * saving and enqueueing). Rows are leased before the enqueue and released if it fails, so a
 * Redis outage leaves them for the next sweep; job ids make a repeated hand-over a no-op.
 */
export class OutboxSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private failures = 0;

  constructor(
    private readonly deps: {
      store: Pick<MessageStore, 'claimVoicemails' | 'releaseVoicemails' | 'claimPendingDeliveries' | 'releasePendingDeliveries'>;
      queues: Pick<JobQueues, 'enqueueVoicemails' | 'enqueueDeliveries'>;
      logger: Logger;
      pollMs: number;
      batch: number;
      requeueMs: number;
    },
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass; true when a batch came back full (there is more: go again at once). */
  async sweepOnce(): Promise<boolean> {
    const { store, queues, batch, requeueMs } = this.deps;
    const callIds = await store.claimVoicemails(batch, requeueMs);
    await queues.enqueueVoicemails(callIds).catch(async (err) => {
      await store.releaseVoicemails(callIds);
      throw err;
    });
    const deliveryIds = await store.claimPendingDeliveries(batch, requeueMs);
    await queues.enqueueDeliveries(deliveryIds).catch(async (err) => {
      await store.releasePendingDeliveries(deliveryIds);
      throw err;
    });
    if (callIds.length || deliveryIds.length) this.deps.logger.debug({ voicemails: callIds.length, deliveries: deliveryIds.length }, 'outbox handed to the queues');
    return callIds.length === batch || deliveryIds.length === batch;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.sweepOnce().then(
        (more) => {
          if (this.failures) this.deps.logger.info({ afterFailures: this.failures }, 'outbox sweep recovered');
          this.failures = 0;
          this.running = null;
          this.schedule(more ? 0 : this.deps.pollMs);
        },
        (err) => {
          this.failures += 1;
          // One line per outage, then one a minute or so: the sweep retries quietly.
          if (this.failures === 1 || this.failures % 60 === 0) this.deps.logger.warn({ err: (err as Error).message, failures: this.failures }, 'outbox sweep failed; will retry');
          this.running = null;
          this.schedule(Math.min(5000, this.deps.pollMs * 2 ** Math.min(this.failures, 6)));
        },
      );
    }, ms);
  }
}
