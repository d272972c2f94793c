import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { billCsv, billJson, intervalsCsv, intervalsJson, monthPeriod, parseScope, type AnalyticsStore, type ScopeKey } from '../analytics';
import { ApiError, notFound } from './errors';

export interface AnalyticsRoutesDeps {
  analytics: AnalyticsStore;
  /** To tell an unknown call (404) from a known one. */
  callLog: { call(id: string): Promise<unknown> };
}

const DAY_MS = 86_400_000;
/** Longest range one request reads (intervals, bills) or recomputes. */
const MAX_READ_DAYS = 370;
const MAX_RECOMPUTE_DAYS = 400;

const IsoTime = Type.String({ format: 'date-time' });
const Format = Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')]));

const IntervalsQuery = Type.Object(
  {
    from: IsoTime,
    to: IsoTime,
    /** `company`, `client` or `receptionist` with `id`, or `client:<id>` / `receptionist:<id>`. */
    scope: Type.String({ minLength: 1, maxLength: 100 }),
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
    format: Format,
  },
  { additionalProperties: false },
);

const BillingQuery = Type.Object(
  {
    clientId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    /** A UTC calendar month, `YYYY-MM`; or `from` and `to`. */
    period: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$' })),
    from: Type.Optional(IsoTime),
    to: Type.Optional(IsoTime),
    format: Format,
  },
  { additionalProperties: false },
);

const DispositionBody = Type.Object(
  { disposition: Type.Union([Type.Literal('spam'), Type.Literal('wrong-number'), Type.Null()]), markedBy: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.@-]{1,64}$' })) },
  { additionalProperties: false },
);

const RecomputeBody = Type.Object({ from: IsoTime, to: IsoTime }, { additionalProperties: false });

function range(fromText: string, toText: string, maxDays: number): { from: number; to: number } {
  const from = Date.parse(fromText);
  const to = Date.parse(toText);
  if (!(from < to)) throw new ApiError(400, 'bad-range', '`from` must be before `to`.');
  if (to - from > maxDays * DAY_MS) throw new ApiError(400, 'bad-range', `The range may cover at most ${maxDays} days.`);
  return { from, to };
}

function scopeOf(scope: string, id: string | undefined): ScopeKey {
  const key = scope === 'client' || scope === 'receptionist' ? (id === undefined ? null : parseScope(`${scope}:${id}`)) : id === undefined ? parseScope(scope) : null;
  if (!key) throw new ApiError(400, 'bad-scope', 'scope must be `company`, or `client` / `receptionist` with an `id` (or `client:<id>`).');
  return key;
}

/** CSV when asked by `format=csv` or an Accept header preferring text/csv; JSON otherwise. */
function wantsCsv(request: FastifyRequest, format: 'json' | 'csv' | undefined): boolean {
  if (format) return format === 'csv';
  const accept = request.headers.accept ?? '';
  return /(^|,)\s*text\/csv/i.test(accept);
}

function sendCsv(reply: FastifyReply, name: string, body: string) {
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(body);
}

/** Interval figures and bills (JSON or CSV), call dispositions for billing, and recomputes. */
export function analyticsRoutes(deps: AnalyticsRoutesDeps): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const { analytics } = deps;

    app.get('/analytics/intervals', { schema: { querystring: IntervalsQuery } }, async (request, reply) => {
      const q = request.query;
      const scope = scopeOf(q.scope, q.id);
      const { from, to } = range(q.from, q.to, MAX_READ_DAYS);
      const rows = await analytics.intervals({ from, to, scope });
      if (wantsCsv(request, q.format)) return sendCsv(reply, `intervals-${scope.replace(':', '-')}`, intervalsCsv(rows));
      return { scope, from: new Date(from).toISOString(), to: new Date(to).toISOString(), serviceLevelSeconds: analytics.options.serviceLevelSeconds, intervals: intervalsJson(rows) };
    });

    app.get('/analytics/billing', { schema: { querystring: BillingQuery } }, async (request, reply) => {
      const q = request.query;
      let period: { from: number; to: number } | null;
      if (q.period !== undefined) {
        if (q.from !== undefined || q.to !== undefined) throw new ApiError(400, 'bad-range', 'Give either `period` or `from` and `to`, not both.');
        period = monthPeriod(q.period);
        if (!period) throw new ApiError(400, 'bad-period', '`period` must be a month, YYYY-MM.');
      } else {
        if (q.from === undefined || q.to === undefined) throw new ApiError(400, 'bad-range', 'Give `period` (YYYY-MM), or `from` and `to`.');
        period = range(q.from, q.to, MAX_READ_DAYS);
      }
      const bill = await analytics.bill({ clientId: q.clientId, ...period });
      if (wantsCsv(request, q.format)) return sendCsv(reply, `bill-${q.clientId}`, billCsv(bill));
      return billJson(bill);
    });

    app.put('/calls/:id/disposition', { schema: { params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }), body: DispositionBody } }, async (request) => {
      const { id } = request.params;
      if (!(await deps.callLog.call(id))) throw notFound('no-such-call', 'No call with that id.');
      await analytics.markDisposition(id, request.body.disposition, request.body.markedBy ?? 'api');
      return { callId: id, disposition: request.body.disposition };
    });

    app.post('/analytics/recompute', { schema: { body: RecomputeBody } }, async (request) => {
      const { from, to } = range(request.body.from, request.body.to, MAX_RECOMPUTE_DAYS);
      const report = await analytics.recomputeAnalytics({ from, to });
      request.log.info({ from: request.body.from, to: request.body.to, ...report }, 'analytics recomputed');
      return report;
    });
  };
}
