import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  actorName,
  checkAfterHours,
  checkClosures,
  checkContact,
  checkGreeting,
  checkHours,
  checkStatus,
  mayAllowForwarding,
  type Checked,
} from '../domain/client-settings';
import type { DestinationPolicy } from '../domain/destinations';
import type { Clock } from '../ports/clock';
import type { ClientSettingsStore } from '../ports/client-settings';
import type { Notifier } from '../ports/notifier';
import { clientScope } from './access';
import { ApiError, notFound } from './errors';
import { messageJson, type MessagingApi } from './message-routes';

export interface ClientRoutesDeps {
  settings: ClientSettingsStore;
  /** Every successful write publishes `client-changed` here: live consoles refresh at once. */
  hub: Notifier;
  clock: Clock;
  /** The transfer policy (TRANSFER_*): contacts and the after-hours forward obey the toll-fraud rule. */
  policy: DestinationPolicy;
  /** Marking messages handled and playing their audio; those two routes are served when given. */
  messaging?: { store: Pick<MessagingApi['store'], 'message' | 'setHandled'>; readAudio: MessagingApi['readAudio'] };
}

const ClientId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const ClientParams = Type.Object({ clientId: ClientId });
const ContactParams = Type.Object({ clientId: ClientId, code: Type.String({ pattern: '^[0-9]{1,6}$' }) });
const IsoTime = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));
const HHMM = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
const DAY = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';

// Lengths here only bound the request; the domain checks the real limits (with its own codes).
const GreetingBody = Type.Object({ greeting: Type.String({ maxLength: 2000 }) }, { additionalProperties: false });

const StatusBody = Type.Object(
  {
    text: Type.String({ maxLength: 2000 }),
    instruction: Type.Union([Type.Literal('none'), Type.Literal('voicemail-all'), Type.Literal('screen-all'), Type.Literal('take-message')]),
    startsAt: Nullable(IsoTime),
    endsAt: Nullable(IsoTime),
  },
  { additionalProperties: false },
);

const ContactBody = Type.Object(
  {
    name: Type.String({ maxLength: 500 }),
    number: Nullable(Type.String({ pattern: '^\\+[1-9][0-9]{7,14}$' })),
    extension: Nullable(Type.String({ pattern: '^[0-9]{1,10}$' })),
    alwaysScreen: Type.Boolean(),
    availability: Type.Union([Type.Literal('available'), Type.Literal('away'), Type.Literal('voicemail-only')]),
    note: Type.String({ maxLength: 2000 }),
  },
  { additionalProperties: false },
);

const HoursBody = Type.Object(
  {
    timeZone: Type.String({ minLength: 1, maxLength: 64 }),
    hours: Type.Array(
      Type.Object(
        {
          weekday: Type.Integer({ minimum: 1, maximum: 7 }),
          opens: Type.String({ pattern: HHMM }),
          closes: Type.String({ pattern: `${HHMM}|^24:00$` }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 21 },
    ),
  },
  { additionalProperties: false },
);

const ClosuresBody = Type.Object(
  {
    closures: Type.Array(
      Type.Object(
        { firstDay: Type.String({ pattern: DAY }), lastDay: Type.String({ pattern: DAY }), label: Type.String({ maxLength: 200, default: '' }) },
        { additionalProperties: false },
      ),
      { maxItems: 100 },
    ),
  },
  { additionalProperties: false },
);

const AfterHoursBody = Type.Object(
  {
    action: Type.Union([Type.Literal('voicemail'), Type.Literal('announcement'), Type.Literal('forward')]),
    announcement: Nullable(Type.String({ maxLength: 128 })),
    forwardTo: Nullable(Type.String({ maxLength: 32 })),
    /** Staff only (admin or the service token): a client user sending it gets 403 `staff-only`. */
    forwardAllowed: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const MessageParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const HandledBody = Type.Object({ handled: Type.Boolean(), clientId: Type.Optional(ClientId) }, { additionalProperties: false });
const AudioQuery = Type.Object({ clientId: Type.Optional(ClientId) }, { additionalProperties: false });

/** Audio types we serve as such; anything else stored goes out as bytes the browser will not sniff. */
const AUDIO_TYPE = /^audio\/[A-Za-z0-9.+-]+(;[A-Za-z0-9=.+-]+)*$/;

const noSuchClient = () => notFound('no-such-client', 'No client with that id.');
const noSuchMessage = () => notFound('no-such-message', 'No message with that id.');

function valid<T>(checked: Checked<T>): T {
  if (!checked.ok) throw new ApiError(checked.status, checked.code, checked.message);
  return checked.value;
}

/**
 * The client portal (docs/portal.md): a client reads and edits its own greeting, posted status,
 * contacts, hours, closures and after-hours handling, and marks its messages handled. The access
 * policy (src/domain/access.ts) already confines a client user to its own clientId; each route
 * checks the record's owner again and answers 404 for another client's.
 */
export function clientRoutes(deps: ClientRoutesDeps): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const { settings, hub, clock, policy } = deps;

    /** The client named in the path, when the caller may see it. */
    const ownClient = (request: FastifyRequest, clientId: string): string => {
      const scope = clientScope(request);
      if (scope !== null && scope !== clientId) throw noSuchClient();
      return clientId;
    };

    const settingsOf = async (clientId: string) => {
      const found = await settings.settings(clientId, clock.now());
      if (!found) throw noSuchClient();
      return found;
    };

    /** After a write: tell live consoles, log it, answer with the whole settings page. */
    const changed = async (request: FastifyRequest, clientId: string, what: string) => {
      hub.publish({ type: 'client-changed', clientId });
      request.log.info({ clientId, setting: what, by: actorName(request.actor) }, 'client settings changed');
      return settingsOf(clientId);
    };

    app.get('/clients', async (request) => ({ clients: await settings.listClients(clientScope(request)) }));

    app.get('/clients/:clientId/settings', { schema: { params: ClientParams } }, async (request) => settingsOf(ownClient(request, request.params.clientId)));

    app.put('/clients/:clientId/greeting', { schema: { params: ClientParams, body: GreetingBody } }, async (request) => {
      const clientId = ownClient(request, request.params.clientId);
      const greeting = valid(checkGreeting(request.body.greeting));
      if (!(await settings.setGreeting(clientId, greeting))) throw noSuchClient();
      return changed(request, clientId, 'greeting');
    });

    app.put('/clients/:clientId/status', { schema: { params: ClientParams, body: StatusBody } }, async (request) => {
      const clientId = ownClient(request, request.params.clientId);
      const now = clock.now();
      const status = valid(checkStatus(request.body, now));
      if (!(await settings.setStatus(clientId, status, { atMs: now, by: actorName(request.actor) }))) throw noSuchClient();
      return changed(request, clientId, 'status');
    });

    app.delete('/clients/:clientId/status', { schema: { params: ClientParams } }, async (request, reply) => {
      const clientId = ownClient(request, request.params.clientId);
      if (!(await settings.clearStatus(clientId))) throw noSuchClient();
      hub.publish({ type: 'client-changed', clientId });
      request.log.info({ clientId, setting: 'status', by: actorName(request.actor) }, 'client status removed');
      return reply.status(204).send();
    });

    app.put('/clients/:clientId/contacts/:code', { schema: { params: ContactParams, body: ContactBody } }, async (request) => {
      const clientId = ownClient(request, request.params.clientId);
      const contact = valid(checkContact(request.params.code, request.body, await settings.transferAllow(clientId), policy));
      if (!(await settings.upsertContact(clientId, contact))) throw noSuchClient();
      return changed(request, clientId, 'contacts');
    });

    app.delete('/clients/:clientId/contacts/:code', { schema: { params: ContactParams } }, async (request, reply) => {
      const clientId = ownClient(request, request.params.clientId);
      const deleted = await settings.deleteContact(clientId, request.params.code);
      if (deleted === false) throw noSuchClient();
      if (deleted === 'no-such-contact') throw notFound('no-such-contact', 'The client has no contact with that code.');
      hub.publish({ type: 'client-changed', clientId });
      request.log.info({ clientId, setting: 'contacts', by: actorName(request.actor) }, 'client contact removed');
      return reply.status(204).send();
    });

    app.put('/clients/:clientId/hours', { schema: { params: ClientParams, body: HoursBody } }, async (request) => {
      const clientId = ownClient(request, request.params.clientId);
      const { timeZone, hours } = valid(checkHours(request.body));
      if (!(await settings.replaceHours(clientId, timeZone, hours))) throw noSuchClient();
      return changed(request, clientId, 'hours');
    });

    app.put('/clients/:clientId/closures', { schema: { params: ClientParams, body: ClosuresBody } }, async (request) => {
      const clientId = ownClient(request, request.params.clientId);
      const closures = valid(checkClosures(request.body.closures));
      if (!(await settings.replaceClosures(clientId, closures))) throw noSuchClient();
      return changed(request, clientId, 'closures');
    });

    app.put('/clients/:clientId/after-hours', { schema: { params: ClientParams, body: AfterHoursBody } }, async (request) => {
      const clientId = ownClient(request, request.params.clientId);
      if (request.body.forwardAllowed !== undefined && !mayAllowForwarding(request.actor)) {
        throw new ApiError(403, 'staff-only', 'Only company staff may allow forwarding calls out.');
      }
      const policyOf = valid(checkAfterHours(request.body, await settings.transferAllow(clientId), policy));
      if (!(await settings.setAfterHours(clientId, policyOf))) throw noSuchClient();
      return changed(request, clientId, 'after-hours');
    });

    const messaging = deps.messaging;
    if (!messaging) return;

    app.post('/messages/:id/handled', { schema: { params: MessageParams, body: HandledBody } }, async (request) => {
      // A client user's clientId is forced into the body by the access policy; the scope is checked again here.
      const clientId = clientScope(request) ?? request.body.clientId ?? null;
      if (request.body.clientId !== undefined && clientId !== request.body.clientId) throw noSuchMessage();
      const by = actorName(request.actor);
      const m = await messaging.store.setHandled(request.params.id, { clientId, handled: request.body.handled, atMs: clock.now(), by });
      if (!m) throw noSuchMessage();
      hub.publish({ type: 'client-changed', clientId: m.clientId });
      request.log.info({ clientId: m.clientId, messageId: m.id, handled: request.body.handled, by }, 'message marked');
      return { ...messageJson(m), handledBy: m.handledBy ?? null };
    });

    app.get('/messages/:id/audio', { schema: { params: MessageParams, querystring: AudioQuery } }, async (request, reply) => {
      const scope = clientScope(request) ?? request.query.clientId ?? null;
      const m = await messaging.store.message(request.params.id);
      if (!m || (scope !== null && m.clientId !== scope) || (request.query.clientId !== undefined && m.clientId !== request.query.clientId)) throw noSuchMessage();
      if (!m.audio) throw notFound('no-audio', 'This message has no audio.');
      let bytes: Uint8Array;
      try {
        bytes = await messaging.readAudio(m.audio.fileName);
      } catch (err) {
        request.log.warn({ clientId: m.clientId, messageId: m.id, err: (err as Error).message }, 'message audio missing from the media directory');
        throw notFound('no-audio', 'This message has no audio.');
      }
      return reply
        .header('content-type', AUDIO_TYPE.test(m.audio.contentType) ? m.audio.contentType : 'application/octet-stream')
        .header('content-disposition', `inline; filename="${m.audio.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, max-age=300')
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    });
  };
}
