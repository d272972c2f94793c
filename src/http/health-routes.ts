import type { FastifyPluginAsync } from 'fastify';

export interface HealthCheck {
  /** Each dependency: true when it answers. */
  check(): Promise<Record<string, boolean>>;
}

export function healthRoutes(health: HealthCheck): FastifyPluginAsync {
  return async (app) => {
    app.get('/health/live', async () => ({ status: 'ok' }));
    app.get('/health/ready', async (_request, reply) => {
      const checks = await health.check();
      const ready = Object.values(checks).every(Boolean);
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks });
    });
  };
}
