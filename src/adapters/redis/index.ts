import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CallSnapshot } from '../../domain/messages';
import type { ReceptionistSnapshot } from '../../domain/receptionist';
import type { LiveStateStore } from '../../ports/live-state';

type Hash = 'calls' | 'receptionists';

/**
 * Live state in two Redis hashes. Writes are coalesced per key for a few milliseconds and sent
 * as one MULTI, in order; when Redis is away they stay queued and are retried, so the call
 * path never waits on Redis and nothing is lost while it restarts.
 */
export class RedisLiveState implements LiveStateStore {
  private pending = new Map<string, { hash: Hash; id: string; value: string | null }>();
  private scheduled = false;
  private inFlight: Promise<void> | null = null;
  private failures = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
    private readonly coalesceMs = 5,
  ) {}

  saveCall(call: CallSnapshot): void {
    this.queue('calls', call.id, JSON.stringify(call));
  }

  dropCall(callId: string): void {
    this.queue('calls', callId, null);
  }

  saveReceptionist(r: ReceptionistSnapshot): void {
    this.queue('receptionists', r.id, JSON.stringify(r));
  }

  async load(): Promise<{ calls: CallSnapshot[]; receptionists: ReceptionistSnapshot[] }> {
    await this.flush();
    const [calls, receptionists] = await Promise.all([this.redis.hgetall(this.prefix + 'calls'), this.redis.hgetall(this.prefix + 'receptionists')]);
    return { calls: this.parseAll<CallSnapshot>(calls, 'calls'), receptionists: this.parseAll<ReceptionistSnapshot>(receptionists, 'receptionists') };
  }

  async flush(): Promise<void> {
    while (this.pending.size > 0 || this.inFlight) {
      if (this.inFlight) await this.inFlight;
      else await this.write();
    }
  }

  private parseAll<T extends { id: string }>(raw: Record<string, string>, what: string): T[] {
    const out: T[] = [];
    for (const [key, text] of Object.entries(raw)) {
      try {
        const value = JSON.parse(text) as T;
        if (!value || typeof value !== 'object' || value.id !== key) throw new Error('shape');
        out.push(value);
      } catch {
        this.logger.error({ key, what }, 'corrupt live-state entry skipped');
      }
    }
    return out;
  }

  private queue(hash: Hash, id: string, value: string | null): void {
    const key = `${hash}\u0000${id}`;
    this.pending.delete(key); // re-inserting keeps the write order of the latest value
    this.pending.set(key, { hash, id, value });
    if (!this.scheduled && !this.inFlight) {
      this.scheduled = true;
      // A few milliseconds of coalescing turn the dozen writes of a busy moment into one
      // MULTI; a crash loses at most that window, which the restart reconciliation with
      // Asterisk covers anyway.
      setTimeout(() => {
        this.scheduled = false;
        void this.write();
      }, this.coalesceMs);
    }
  }

  private write(): Promise<void> {
    if (this.inFlight || this.pending.size === 0) return this.inFlight ?? Promise.resolve();
    const batch = this.pending;
    this.pending = new Map();
    const run = (async () => {
      const pipeline = this.redis.multi();
      for (const w of batch.values()) {
        if (w.value === null) pipeline.hdel(this.prefix + w.hash, w.id);
        else pipeline.hset(this.prefix + w.hash, w.id, w.value);
      }
      try {
        await pipeline.exec();
        this.failures = 0;
      } catch (err) {
        this.failures += 1;
        // Put the batch back under anything newer.
        const newer = this.pending;
        this.pending = new Map([...batch, ...newer]);
        this.logger.warn({ err: (err as Error).message, pending: this.pending.size }, 'live-state write failed; will retry');
        await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** this.failures)));
      }
    })();
    this.inFlight = run.finally(() => {
      this.inFlight = null;
      if (this.pending.size > 0) void this.write();
    });
    return this.inFlight;
  }
}

export function createRedisLiveState(opts: { redisUrl: string; keyPrefix?: string; logger: Logger }): {
  store: LiveStateStore;
  redis: Redis;
  close(): Promise<void>;
} {
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
  redis.on('error', (err) => opts.logger.warn({ err: err.message }, 'Redis connection error'));
  const store = new RedisLiveState(redis, opts.keyPrefix ?? 'sb:', opts.logger);
  return {
    store,
    redis,
    async close() {
      await store.flush().catch(() => undefined);
      redis.disconnect();
    },
  };
}
