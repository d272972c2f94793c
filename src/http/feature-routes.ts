import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ApiFeatureOp, ApiFeatureResult, CallService } from '../calls/call-service';
import type { FeatureRefusal } from '../domain/switchboard';

export interface FeatureRoutesDeps {
  calls: CallService;
}

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const ReceptionistId = Type.String({ minLength: 1, maxLength: 128 });
// Destination values are checked by the domain (destinations.ts), which answers with a precise
// code (`invalid-destination`, `destination-not-allowed`...) instead of a generic bad-request.
const Value = Type.String({ maxLength: 64 });
const TransferBody = Type.Object(
  {
    receptionistId: ReceptionistId,
    to: Type.Union([
      Type.Object({ contactCode: Value }, { additionalProperties: false }),
      Type.Object({ number: Value }, { additionalProperties: false }),
      Type.Object({ extension: Value }, { additionalProperties: false }),
    ]),
    /** `announced`: the receptionist consults the contact first (README "Feature codes"). */
    mode: Type.Optional(Type.Union([Type.Literal('blind'), Type.Literal('announced')])),
  },
  { additionalProperties: false },
);
const ReceptionistBody = Type.Object({ receptionistId: ReceptionistId }, { additionalProperties: false });
const SlotParams = Type.Object({ slot: Type.String({ minLength: 1, maxLength: 8, pattern: '^[0-9]+$' }) });
const RETRIEVE_STATUS = { 'no-such-parked-call': 404, 'no-such-receptionist': 404, 'receptionist-busy': 409 } as const;

const STATUS: Record<FeatureRefusal, number> = {
  'no-such-call': 404,
  'not-your-call': 403,
  'not-connected': 409,
  'transfer-in-progress': 409,
  'not-on-hold': 409,
  'no-voicemail': 409,
  'no-free-slot': 409,
  'invalid-destination': 400,
  'destination-not-allowed': 403,
  'no-such-contact': 404,
  'contact-unavailable': 409,
  'screening-required': 409,
  'no-transfer-in-progress': 409,
  'contact-not-answered': 409,
};

/**
 * In-call operations by the receptionist on the call: the same domain operations as the feature
 * codes on their phone (README "Feature codes"). Every transfer attempt is in the call's timeline.
 */
export function featureRoutes(deps: FeatureRoutesDeps): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const { calls } = deps;
    const answer = (result: ApiFeatureResult, reply: { status(code: number): { send(body: unknown): unknown } }) => {
      if (result.ok) return reply.status(200).send({ ok: true });
      const body = { code: result.code, message: result.message, ...(result.voicemailOffered ? { voicemailOffered: true } : {}) };
      return reply.status(STATUS[result.code]).send({ error: body });
    };

    app.post('/calls/:id/transfer', { schema: { params: IdParams, body: TransferBody } }, async (request, reply) => {
      const { receptionistId, to, mode } = request.body;
      const kind = mode === 'announced' ? ('announced-transfer' as const) : ('blind-transfer' as const);
      return answer(await calls.callFeature(request.params.id, receptionistId, { kind, to }), reply);
    });

    // An announced transfer being consulted: the same operations as *2, *1 and *3 on the phone.
    for (const [path, kind] of [
      ['complete', 'transfer-complete'],
      ['cancel', 'transfer-cancel'],
      ['three-way', 'transfer-three-way'],
    ] as const) {
      app.post(`/calls/:id/transfer/${path}`, { schema: { params: IdParams, body: ReceptionistBody } }, async (request, reply) => {
        return answer(await calls.callFeature(request.params.id, request.body.receptionistId, { kind }), reply);
      });
    }

    for (const kind of ['hold', 'resume', 'voicemail', 'hangup', 'park'] as const) {
      app.post(`/calls/:id/${kind}`, { schema: { params: IdParams, body: ReceptionistBody } }, async (request, reply) => {
        const op: ApiFeatureOp = { kind };
        return answer(await calls.callFeature(request.params.id, request.body.receptionistId, op), reply);
      });
    }

    app.get('/parked', async () => ({ parked: calls.parked() }));

    /** Exactly one of two simultaneous retrieves wins; the other gets 404 no-such-parked-call. */
    app.post('/parked/:slot/retrieve', { schema: { params: SlotParams, body: ReceptionistBody } }, async (request, reply) => {
      const result = await calls.retrieveParked(request.params.slot, request.body.receptionistId);
      if (result.ok) return reply.status(200).send({ ok: true, callId: result.callId });
      return reply.status(RETRIEVE_STATUS[result.code]).send({ error: { code: result.code, message: result.message } });
    });
  };
}
