import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { activeUsersByApp, isUsageAction, USAGE_APPS, usageWindows, utcDay } from '../domain/product-usage';
import type { Clock } from '../ports/clock';
import type { ProductUsageStore } from '../ports/product-usage';
import { ApiError } from './errors';

export interface UsageRoutesDeps {
  usage: ProductUsageStore;
  clock: Clock;
}

const ReportBody = Type.Object(
  {
    app: Type.Union(USAGE_APPS.map((a) => Type.Literal(a))),
    action: Type.String({ minLength: 1, maxLength: 40 }),
  },
  { additionalProperties: false },
);

const SummaryQuery = Type.Object({ days: Type.Integer({ minimum: 1, maximum: 400, default: 30 }) }, { additionalProperties: false });

/**
 * First-party product usage, no third-party tracker: pages report their own actions (the user is
 * the session's, never the body's), admins read daily / weekly / monthly active users and action counts.
 */
export function usageRoutes(deps: UsageRoutesDeps): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const { usage, clock } = deps;

    app.post('/usage', { schema: { body: ReportBody } }, async (request, reply) => {
      const { app: page, action } = request.body;
      if (!isUsageAction(page, action)) throw new ApiError(400, 'unknown-action', `That action is not one the ${page} page reports.`);
      const actor = request.actor;
      // The service token and open mode are nobody in particular: nothing to count.
      if (actor?.kind === 'user') await usage.record({ day: utcDay(clock.now()), app: page, action, userId: actor.userId });
      return reply.status(204).send();
    });

    app.get('/admin/usage', { schema: { querystring: SummaryQuery } }, async (request) => {
      const now = clock.now();
      const days = request.query.days;
      const summary = await usage.summary(usageWindows(now, days));
      return { asOf: new Date(now).toISOString(), days, apps: activeUsersByApp(summary.apps), daily: summary.daily, actions: summary.actions };
    });
  };
}
