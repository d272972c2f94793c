import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { openMessageStore, type PostgresMessageStore } from '../adapters/postgres/messages';
import { systemClock } from '../adapters/runtime/node-timers';
import type { TypedMessageInput } from '../messages/assemble';
import { reasonOf } from '../messages/errors';
import { saveTypedMessage, type SavedMessage } from '../messages/message-service';
import type { Clock } from '../ports/clock';
import { WorkerAdmin } from './admin';
import { MediaDirectory } from './media-dir';
import { jobAttempts, loadWorkerConfig, type WorkerConfig } from './config';
import { JobQueues } from './queues';

export interface MessagingClient {
  /**
   * A message typed by a receptionist for a client. Saved in PostgreSQL with one delivery per
   * channel, then enqueued (or, if Redis is away, picked up by the worker's sweep). Throws
   * MessageRejected (`bad-request`, `no-such-client`).
   */
  submitTypedMessage(input: TypedMessageInput): Promise<SavedMessage>;
  admin: WorkerAdmin;
  /** Messages, deliveries and channels, for read routes and channel management. */
  store: PostgresMessageStore;
  /** A voicemail's audio from MEDIA_DIR (the worker's setting: both processes must share the directory). */
  readAudio(fileName: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

/**
 * What the call server needs of the message pipeline, for its HTTP routes: submitting typed
 * messages and the admin view. Opens its own small PostgreSQL pool and BullMQ queues (producer
 * side only); the worker process does the work. `config` defaults to the worker's env settings.
 */
export function openMessagingClient(opts: { logger: Logger; config?: WorkerConfig; clock?: Clock }): MessagingClient {
  const config = opts.config ?? loadWorkerConfig();
  const postgres = openMessageStore({
    databaseUrl: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    poolSize: 3,
    defaultClientName: config.DEFAULT_CLIENT_NAME,
    logger: opts.logger,
  });
  const media = new MediaDirectory(config.MEDIA_DIR);
  const queues = new JobQueues({ redisUrl: config.REDIS_URL, prefix: config.WORKER_QUEUE_PREFIX, attempts: jobAttempts(config) });
  const deps = {
    store: postgres.store,
    clock: opts.clock ?? systemClock,
    newId: randomUUID,
    maxAttempts: { email: config.MAIL_MAX_ATTEMPTS, webhook: config.WEBHOOK_MAX_ATTEMPTS },
  };
  return {
    async submitTypedMessage(input) {
      const saved = await saveTypedMessage(deps, input);
      await queues.enqueueDeliveries(saved.pendingDeliveryIds).catch(async (err) => {
        opts.logger.warn({ messageId: saved.messageId, err: reasonOf(err) }, 'could not enqueue deliveries; the worker sweep will');
        await postgres.store.releasePendingDeliveries(saved.pendingDeliveryIds).catch(() => undefined);
      });
      return saved;
    },
    admin: new WorkerAdmin(queues, postgres.store),
    store: postgres.store,
    readAudio: (fileName) => media.read(fileName),
    async close() {
      await queues.close();
      await postgres.close();
    },
  };
}

/**
 * The call server's messaging client, opened on first use (so a call server whose operators
 * never touch messages opens no queue connections). The shared settings come from the call
 * server's own configuration; the worker-only ones (WORKER_QUEUE_PREFIX, *_MAX_ATTEMPTS) from
 * the environment, as the worker reads them.
 */
export function lazyMessagingClient(opts: {
  logger: Logger;
  shared: { DATABASE_URL: string; DATABASE_SCHEMA?: string; REDIS_URL: string; DEFAULT_CLIENT_NAME: string };
  env?: Record<string, string | undefined>;
  clock?: Clock;
}): MessagingClient {
  let client: MessagingClient | null = null;
  const open = (): MessagingClient => {
    client ??= openMessagingClient({ logger: opts.logger, clock: opts.clock, config: loadWorkerConfig({ ...(opts.env ?? process.env), ...opts.shared }) });
    return client;
  };
  return {
    submitTypedMessage: (input) => open().submitTypedMessage(input),
    readAudio: (fileName) => open().readAudio(fileName),
    get admin() {
      return open().admin;
    },
    get store() {
      return open().store;
    },
    async close() {
      await client?.close();
      client = null;
    },
  };
}
