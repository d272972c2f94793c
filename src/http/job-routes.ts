import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from './errors';

export const JOB_QUEUES = ['voicemail', 'delivery', 'analytics'] as const;
export type JobQueueName = (typeof JOB_QUEUES)[number];

/** What the routes need of the job queues (the worker's WorkerAdmin fits). */
export interface JobAdmin {
  queueCounts(): Promise<Array<{ queue: string; waiting: number; active: number; delayed: number; failed: number; completed: number }>>;
  failedJobs(queue: JobQueueName, opts?: { offset?: number; limit?: number }): Promise<Array<{ jobId: string; failedReason: string; attemptsMade: number; failedAt: number | null; data: unknown }>>;
  retryJob(queue: JobQueueName, jobId: string): Promise<'retried' | 'not-failed' | 'no-such-job'>;
}

export interface JobRoutesDeps {
  jobs: { readonly admin: JobAdmin };
}

const QueueParams = Type.Object({ name: Type.String({ maxLength: 40 }) });
const RetryBody = Type.Object(
  {
    /** One job; without it, every failed job of the queue (up to `limit`). */
    jobId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);

function queueOf(name: string): JobQueueName {
  if (!(JOB_QUEUES as readonly string[]).includes(name)) throw notFound('no-such-queue', `No queue named that; queues: ${JOB_QUEUES.join(', ')}.`);
  return name as JobQueueName;
}

/** Operators' view of the worker's queues: counts, failed jobs with their reasons, and retries. */
export function jobRoutes(deps: JobRoutesDeps): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();

    app.get('/admin/queues', async () => ({ queues: await deps.jobs.admin.queueCounts() }));

    app.get(
      '/admin/queues/:name/failed',
      {
        schema: {
          params: QueueParams,
          querystring: Type.Object({ offset: Type.Integer({ minimum: 0, default: 0 }), limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }) }, { additionalProperties: false }),
        },
      },
      async (request) => {
        const queue = queueOf(request.params.name);
        const jobs = await deps.jobs.admin.failedJobs(queue, { offset: request.query.offset, limit: request.query.limit });
        return {
          queue,
          failed: jobs.map((j) => ({ jobId: j.jobId, reason: j.failedReason, attemptsMade: j.attemptsMade, failedAt: j.failedAt === null ? null : new Date(j.failedAt).toISOString(), data: j.data })),
        };
      },
    );

    app.post('/admin/queues/:name/retry', { schema: { params: QueueParams, body: Type.Optional(RetryBody) } }, async (request) => {
      const queue = queueOf(request.params.name);
      const body = request.body ?? { limit: 100 };
      const admin = deps.jobs.admin;
      if (body.jobId !== undefined) {
        const result = await admin.retryJob(queue, body.jobId);
        if (result === 'no-such-job') throw notFound('no-such-job', 'No job with that id in this queue.');
        return { queue, retried: result === 'retried' ? [body.jobId] : [], notFailed: result === 'not-failed' ? [body.jobId] : [] };
      }
      const failed = await admin.failedJobs(queue, { limit: body.limit ?? 100 });
      const retried: string[] = [];
      const notFailed: string[] = [];
      for (const j of failed) {
        const result = await admin.retryJob(queue, j.jobId);
        if (result === 'retried') retried.push(j.jobId);
        else notFailed.push(j.jobId);
      }
      return { queue, retried, notFailed };
    });
  };
}
