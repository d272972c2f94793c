import type { Logger } from 'pino';
import type { PbxAdmin } from '../ports/pbx-admin';

export interface FallbackQueueKeeperDeps {
  admin: PbxAdmin;
  /** The app_queue queue the dialplan sends callers to when the Stasis app is down. */
  queue: string;
  /** The phones of the receptionists logged in now. */
  loggedInEndpoints: () => string[];
  logger: Logger;
  /** Changes within this window are synced once. Default 200 ms. */
  debounceMs?: number;
  /** After a failed sync (AMI down), try again after this. Default 5000 ms. */
  retryMs?: number;
}

/**
 * Keeps the fallback queue's members in step with who is logged in, so callers who reach the
 * dialplan fallback (Switchboard down) ring the same people. One sync at a time; changes that come
 * while one runs are folded into the next; a failure is retried, and every AMI reconnect syncs.
 */
export class FallbackQueueKeeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastSynced: string | null = null;

  constructor(private readonly deps: FallbackQueueKeeperDeps) {}

  /** Someone logged in or out (or the roster changed): sync soon, unless nothing changed. */
  rosterChanged(): void {
    if (this.key() === this.lastSynced) return;
    this.schedule(this.deps.debounceMs ?? 200);
  }

  /** AMI (re)connected: Asterisk may have restarted with a queue from queues.conf; sync now. */
  pbxConnected(): void {
    this.lastSynced = null;
    this.schedule(0);
  }

  /** Runs one sync now (also what the timer does); resolves when it is done. Never rejects. */
  async syncNow(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run();
    try {
      await this.running;
    } finally {
      this.running = null;
    }
    if (this.again && !this.stopped) {
      this.again = false;
      await this.syncNow();
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private key(): string {
    return [...this.deps.loggedInEndpoints()].sort().join(',');
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.syncNow();
    }, ms);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    const endpoints = this.deps.loggedInEndpoints();
    const key = [...endpoints].sort().join(',');
    try {
      await this.deps.admin.syncFallbackQueue(this.deps.queue, endpoints);
      this.lastSynced = key;
    } catch (err) {
      // While AMI is down there is nothing to retry: the reconnect syncs (pbxConnected).
      if ((err as { code?: unknown }).code === 'ami-not-connected') return;
      this.deps.logger.warn({ err: (err as Error).message, queue: this.deps.queue }, 'fallback queue sync failed; retrying');
      this.schedule(this.deps.retryMs ?? 5000);
    }
  }
}
