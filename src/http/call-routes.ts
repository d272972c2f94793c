import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { CallService } from '../calls/call-service';
import type { CallLog } from '../ports/call-log';
import type { Clock } from '../ports/clock';
import type { NoticeHub } from '../adapters/runtime/notice-hub';
import { clientScope } from './access';
import { notFound } from './errors';

export interface CallRoutesDeps {
  calls: CallService;
  callLog: CallLog;
  hub: NoticeHub;
  clock: Clock;
}

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

const PresenceBody = Type.Union([
  Type.Object({ state: Type.Literal('available') }, { additionalProperties: false }),
  Type.Object({ state: Type.Literal('logged-out') }, { additionalProperties: false }),
  Type.Object(
    { state: Type.Literal('paused'), reason: Type.String({ minLength: 1, maxLength: 40, pattern: '^[a-z0-9][a-z0-9-]*$' }) },
    { additionalProperties: false },
  ),
]);

/** Receptionist states, the live queue, calls and their timelines, and live notices (SSE). */
export function callRoutes(deps: CallRoutesDeps): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const { calls, callLog, hub, clock } = deps;

    app.get('/receptionists', async () => ({ receptionists: calls.receptionists() }));

    app.get('/receptionists/:id', { schema: { params: IdParams } }, async (request) => {
      const r = calls.receptionist(request.params.id);
      if (!r) throw notFound('no-such-receptionist', 'No receptionist with that id.');
      return r;
    });

    app.put('/receptionists/:id/presence', { schema: { params: IdParams, body: PresenceBody } }, async (request) => {
      const body = request.body;
      const result = await calls.setPresence(
        request.params.id,
        body.state === 'paused' ? { kind: 'paused', reason: body.reason } : { kind: body.state },
      );
      if (!result.ok) throw notFound('no-such-receptionist', 'No receptionist with that id.');
      return calls.receptionist(request.params.id);
    });

    app.get('/queue', async () => {
      const now = clock.now();
      return {
        waiting: calls.waiting().map((c, i) => ({
          position: i + 1,
          callId: c.id,
          clientId: c.clientId,
          did: c.did,
          callerName: c.caller.name,
          callerNumber: c.caller.number,
          waitMs: now - c.arrivedAt,
        })),
      };
    });

    app.get('/calls/live', async () => ({ calls: calls.liveCalls() }));

    app.get(
      '/calls',
      { schema: { querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }), clientId: Type.Optional(Type.String({ maxLength: 128 })) }) } },
      async (request) => ({ calls: await callLog.recentCalls({ limit: request.query.limit, clientId: request.query.clientId }) }),
    );

    app.get('/calls/:id', { schema: { params: IdParams } }, async (request) => {
      const record = await callLog.call(request.params.id);
      // A client user asking for another client's call gets the same answer as for no call.
      const only = clientScope(request);
      if (!record || (only !== null && record.clientId !== only)) throw notFound('no-such-call', 'No call with that id.');
      return record;
    });

    /** Server-sent events: screen pops, receptionist states, the queue. A snapshot comes first. */
    app.get('/events', async (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const send = (type: string, data: unknown) => res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
      send('snapshot', { receptionists: calls.receptionists(), waiting: calls.waiting() });
      const unsubscribe = hub.subscribe((notice) => send(notice.type, notice));
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      request.raw.on('close', () => {
        clearInterval(keepAlive);
        unsubscribe();
      });
    });
  };
}
