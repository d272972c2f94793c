import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { CallbackApi, CallbackApiError } from '../calls/callback-api';
import { ApiError } from './errors';

export interface CallbackRoutesDeps {
  callbacks: CallbackApi;
}

const ClientId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
const Status = Type.Union(['scheduled', 'queued', 'dialing', 'completed', 'failed', 'cancelled'].map((s) => Type.Literal(s)));
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });
const Scope = Type.Object({ clientId: Type.Optional(ClientId) }, { additionalProperties: false });

const ScheduleBody = Type.Object(
  {
    clientId: ClientId,
    number: Type.String({ minLength: 1, maxLength: 32 }),
    name: Type.Optional(Type.String({ maxLength: 120 })),
    note: Type.Optional(Type.String({ maxLength: 1000 })),
    notBefore: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
  },
  { additionalProperties: false },
);

const ERRORS: Record<CallbackApiError, [number, string]> = {
  'no-such-client': [404, 'No client with that id.'],
  'invalid-number': [400, 'The number must be digits, with an optional leading +.'],
  'number-not-allowed': [400, 'That number cannot be called back (see CALLBACK_NUMBER_PATTERN).'],
  'no-such-callback': [404, 'No callback with that id.'],
  'callback-in-progress': [409, 'The callback is being dialled now and cannot be cancelled.'],
  'callback-finished': [409, 'The callback is already over.'],
};

function fail(code: CallbackApiError): never {
  const [status, message] = ERRORS[code];
  throw new ApiError(status, code, message);
}

/** Callbacks: schedule, list (per client and status), read with attempts, cancel. */
export function callbackRoutes(deps: CallbackRoutesDeps): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const { callbacks } = deps;

    app.post('/callbacks', { schema: { body: ScheduleBody } }, async (request, reply) => {
      const b = request.body;
      const notBefore = b.notBefore === undefined ? undefined : Date.parse(b.notBefore);
      if (notBefore !== undefined && !Number.isFinite(notBefore)) throw new ApiError(400, 'bad-request', 'notBefore must be a date-time.');
      const result = await callbacks.schedule({ clientId: b.clientId, number: b.number, name: b.name, note: b.note, notBefore });
      if (!result.ok) fail(result.code);
      return reply.status(201).send(result.value);
    });

    app.get(
      '/callbacks',
      {
        schema: {
          querystring: Type.Object(
            { clientId: Type.Optional(ClientId), status: Type.Optional(Status), limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }) },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => ({
        callbacks: await callbacks.list({ clientId: request.query.clientId, status: request.query.status as never, limit: request.query.limit }),
      }),
    );

    app.get('/callbacks/:id', { schema: { params: IdParams, querystring: Scope } }, async (request) => {
      const result = await callbacks.get(request.params.id, request.query.clientId);
      if (!result.ok) fail(result.code);
      return result.value;
    });

    app.delete('/callbacks/:id', { schema: { params: IdParams, querystring: Scope } }, async (request) => {
      const result = await callbacks.cancel(request.params.id, request.query.clientId);
      if (!result.ok) fail(result.code);
      return result.value;
    });
  };
}
