import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';

/**
 * Buffers items and writes them in batches behind the caller (the call path never waits on
 * PostgreSQL): `push` only buffers; a timer writes up to 500 at a time. A failed batch stays at
 * the head and is retried with capped backoff, so writes must be idempotent (each item carries a
 * `seq` unique to this process and ordered within it, for ON CONFLICT DO NOTHING).
 */
export class BatchWriter<T> {
  private readonly buffer: Array<{ n: number; seq: string; item: T }> = [];
  private readonly tag = randomBytes(4).toString('hex');
  private counter = 0;
  private written = 0;
  private timer: NodeJS.Timeout | null = null;
  private writing = false;
  private failures = 0;
  private waiters: Array<{ upTo: number; resolve: () => void }> = [];

  constructor(
    private readonly write: (batch: Array<{ seq: string; item: T }>) => Promise<void>,
    private readonly logger: Logger,
    private readonly what: string,
    private readonly batchMs = 20,
  ) {}

  push(item: T): void {
    const n = ++this.counter;
    this.buffer.push({ n, seq: `${String(n).padStart(12, '0')}-${this.tag}`, item });
    this.schedule(this.batchMs);
  }

  flush(): Promise<void> {
    if (this.written >= this.counter) return Promise.resolve();
    const upTo = this.counter;
    return new Promise((resolve) => {
      this.waiters.push({ upTo, resolve });
      this.schedule(0);
    });
  }

  private schedule(ms: number): void {
    if (this.writing) return;
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.writeBatch();
    }, ms);
  }

  private async writeBatch(): Promise<void> {
    if (this.buffer.length === 0 || this.writing) return;
    this.writing = true;
    const batch = this.buffer.slice(0, 500);
    try {
      await this.write(batch.map(({ seq, item }) => ({ seq, item })));
      this.buffer.splice(0, batch.length);
      this.written = batch[batch.length - 1].n;
      this.failures = 0;
      const done = this.waiters.filter((w) => w.upTo <= this.written);
      this.waiters = this.waiters.filter((w) => w.upTo > this.written);
      for (const w of done) w.resolve();
    } catch (err) {
      this.failures += 1;
      this.logger.warn({ err: (err as Error).message, pending: this.buffer.length, attempt: this.failures }, `${this.what} write failed; will retry`);
    } finally {
      this.writing = false;
    }
    if (this.buffer.length > 0) this.schedule(this.failures ? Math.min(5000, 100 * 2 ** (this.failures - 1)) : 0);
  }
}
