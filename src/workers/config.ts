import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { RetryPolicy } from '../messages/backoff';

const Ms = (def: number, minimum = 1) => Type.Integer({ default: def, minimum });

/**
 * The worker process's settings (docs/workers.md), read once from the environment. The names it
 * shares with the call server (DATABASE_*, REDIS_URL, ASTERISK_ARI_*, LOG_LEVEL,
 * DEFAULT_CLIENT_NAME) mean the same thing.
 */
export const WorkerConfigSchema = Type.Object({
  DATABASE_URL: Type.String({ default: 'postgres://postgres@127.0.0.1:5432/test' }),
  DATABASE_SCHEMA: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]*$' })),
  REDIS_URL: Type.String({ default: 'redis://127.0.0.1:6379' }),
  /** BullMQ key prefix; separate from the call server's REDIS_PREFIX. No `:`. */
  WORKER_QUEUE_PREFIX: Type.String({ default: 'sbq', pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
  /** Jobs run at once, per queue. */
  WORKER_CONCURRENCY: Type.Integer({ default: 16, minimum: 1, maximum: 1000 }),
  WORKER_PG_POOL_SIZE: Type.Integer({ default: 10, minimum: 1, maximum: 200 }),
  /** A job's lock; a worker that dies holding one gives the job back after this. */
  WORKER_LOCK_MS: Ms(30_000, 500),
  WORKER_STALLED_INTERVAL_MS: Ms(30_000, 500),
  /** How often a job may be given back by dead workers before it fails. */
  WORKER_MAX_STALLED: Type.Integer({ default: 2, minimum: 0 }),
  /** On SIGTERM, how long active jobs may take to finish before they are left to be given back. */
  WORKER_SHUTDOWN_GRACE_MS: Ms(25_000, 0),
  /** How often the outbox sweep runs (it runs again at once while there is more). */
  OUTBOX_POLL_MS: Ms(1000, 10),
  OUTBOX_BATCH: Type.Integer({ default: 500, minimum: 1, maximum: 10_000 }),
  /** A row handed to the queue is handed again after this unless done (its job may be lost). */
  OUTBOX_REQUEUE_MS: Ms(60_000, 100),
  MEDIA_DIR: Type.String({ default: 'var/media' }),
  /** Where webhook receivers can fetch audio (`<url>/<sha256>.wav`); unset: no URL in the payload. */
  MEDIA_BASE_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Unset: the demo's embedded simulator (`npm start` without ASTERISK_ARI_URL). */
  ASTERISK_ARI_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  ASTERISK_ARI_USER: Type.String({ default: 'switchboard' }),
  ASTERISK_ARI_PASSWORD: Type.String({ default: '' }),
  SIMULATOR_PORT: Type.Integer({ default: 8088, minimum: 0, maximum: 65535 }),
  RECORDING_FETCH_TIMEOUT_MS: Ms(30_000, 100),
  /** Unset: e-mail deliveries fail (visibly) with `smtp-not-configured`. smtp://user:pass@host:587, smtps://…; `?tls=insecure`. */
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  MAIL_FROM: Type.String({ default: 'Switchboard <switchboard@localhost>' }),
  MAIL_MAX_ATTEMPTS: Type.Integer({ default: 10, minimum: 1, maximum: 100 }),
  WEBHOOK_MAX_ATTEMPTS: Type.Integer({ default: 10, minimum: 1, maximum: 100 }),
  WEBHOOK_TIMEOUT_MS: Ms(10_000, 100),
  /** Tries to turn a voicemail into a message (fetching the recording) before it is marked failed. */
  MESSAGE_MAX_ATTEMPTS: Type.Integer({ default: 10, minimum: 1, maximum: 100 }),
  /** Exponential backoff between tries: base, 2 x base, … capped, with +/-20 % jitter. */
  RETRY_BASE_MS: Ms(5000, 1),
  RETRY_MAX_MS: Ms(3_600_000, 1),
  /** How long a sender holds a delivery; longer than WEBHOOK_TIMEOUT_MS and an SMTP exchange. */
  DELIVERY_LEASE_MS: Ms(120_000, 100),
  DEFAULT_CLIENT_NAME: Type.String({ default: 'our answering service' }),
  /** How often the analytics roll-up (`rollUpSinceLastRun`) runs; 0 = never (docs/analytics.md). */
  ANALYTICS_ROLLUP_EVERY_MS: Type.Integer({ default: 60_000, minimum: 0 }),
  ANALYTICS_SERVICE_LEVEL_SECONDS: Type.Integer({ default: 20, minimum: 1, maximum: 3600 }),
  ANALYTICS_SHORT_ABANDON_SECONDS: Type.Integer({ default: 5, minimum: 0, maximum: 3600 }),
  LOG_LEVEL: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')], { default: 'info' }),
});

export type WorkerConfig = Static<typeof WorkerConfigSchema>;

export class WorkerConfigError extends Error {}

export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(WorkerConfigSchema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const converted = Value.Convert(WorkerConfigSchema, Value.Default(WorkerConfigSchema, picked));
  const errors = [...Value.Errors(WorkerConfigSchema, converted)];
  if (errors.length > 0) {
    throw new WorkerConfigError('invalid worker configuration: ' + errors.map((e) => `${e.path.slice(1)} ${e.message}`).join('; '));
  }
  return converted as WorkerConfig;
}

/** The ARI the recordings come from; without ASTERISK_ARI_URL, the demo's simulator. */
export function recordingsAri(config: WorkerConfig): { url: string; user: string; password: string; demo: boolean } {
  if (config.ASTERISK_ARI_URL) return { url: config.ASTERISK_ARI_URL, user: config.ASTERISK_ARI_USER, password: config.ASTERISK_ARI_PASSWORD, demo: false };
  // The embedded simulator's fixed demo login (src/simulator defaults), loopback only: not a secret.
  return { url: `http://127.0.0.1:${config.SIMULATOR_PORT}`, user: 'asterisk', password: 'asterisk', demo: true };
}

export function retryPolicy(config: WorkerConfig): RetryPolicy {
  return { baseMs: config.RETRY_BASE_MS, maxMs: config.RETRY_MAX_MS, jitter: 0.2 };
}

/** Extra tries on delivery jobs beyond a channel's own limit, for tries that sent nothing (busy, database away). */
const DELIVERY_JOB_SLACK = 3;

/** BullMQ attempts per queue. Deliveries end by their PostgreSQL count (MAIL_/WEBHOOK_MAX_ATTEMPTS). */
export function jobAttempts(config: WorkerConfig): { voicemail: number; delivery: number } {
  return { voicemail: config.MESSAGE_MAX_ATTEMPTS, delivery: Math.max(config.MAIL_MAX_ATTEMPTS, config.WEBHOOK_MAX_ATTEMPTS) + DELIVERY_JOB_SLACK };
}
