import type { FastifyPluginAsync } from 'fastify';
import type { WallboardToday } from '../analytics/today';

export interface WallboardRoutesDeps {
  /** Today's figures, cached for a moment (src/analytics/wallboard.ts). */
  wallboard: { today(): Promise<WallboardToday> };
}

/** The supervisor wallboard's figures of the day (the live part comes over `/api/live`). */
export function wallboardRoutes(deps: WallboardRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/wallboard/today',
      {
        schema: {
          summary: "Today's calls in the company time zone: arrived, answered, abandoned, average speed of answer, service level",
        },
      },
      async (_request, reply) => {
        reply.header('cache-control', 'no-store');
        return deps.wallboard.today();
      },
    );
  };
}
