import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { TypedMessageInput } from '../messages/assemble';
import type { Delivery, Message } from '../messages/model';
import type { ChannelView } from '../messages/ports';
import { ApiError, notFound } from './errors';

/** What the message routes need of the message pipeline (the worker's messaging client fits). */
export interface MessagingApi {
  /** Throws an error with `code` 'bad-request' or 'no-such-client' and `problems` when rejected. */
  submitTypedMessage(input: TypedMessageInput): Promise<{ messageId: string; created: boolean; pendingDeliveryIds: string[] }>;
  store: {
    clientName(clientId: string): Promise<string | null>;
    message(id: string): Promise<(Message & { deliveries: Delivery[] }) | null>;
    messagesPage(opts: { clientId: string; since?: number; before?: { receivedAt: number; id: string }; limit: number; handled?: boolean }): Promise<Message[]>;
    /** Null: no such message, or another client's (when `clientId` is given). */
    setHandled(id: string, opts: { clientId: string | null; handled: boolean; atMs: number; by: string }): Promise<Message | null>;
    channelViews(clientId: string): Promise<ChannelView[]>;
    replaceChannels(clientId: string, wanted: { emails: string[]; webhook: { url: string; secret?: string } | null }): Promise<ChannelView[] | 'webhook-secret-required'>;
  };
  /** A voicemail's audio file from the media directory (MEDIA_DIR) by its stored name; rejects when missing. */
  readAudio(fileName: string): Promise<Uint8Array>;
}

export interface MessageRoutesDeps {
  messaging: MessagingApi;
}

const ClientId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const IsoTime = Type.String({ format: 'date-time' });

const MessageBody = Type.Object(
  {
    clientId: ClientId,
    callId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    callerName: Type.String({ maxLength: 200, default: '' }),
    callerNumber: Type.String({ maxLength: 40, default: '' }),
    body: Type.String({ minLength: 1, maxLength: 10_000 }),
    dialled: Type.Optional(Type.String({ maxLength: 40 })),
    authorId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
    /** Chosen by the console so a retried submit does not make a second message. */
    requestId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,100}$' })),
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object(
  {
    clientId: ClientId,
    since: Type.Optional(IsoTime),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    /** The `next` cursor of the previous page. */
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}_[0-9a-fA-F-]{36}$' })),
    /** Only messages the client has (or has not) marked handled. */
    handled: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
  },
  { additionalProperties: false },
);

const ChannelsBody = Type.Object(
  {
    emails: Type.Array(Type.String({ maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' }), { maxItems: 20, uniqueItems: true }),
    /** The secret is write-only: omit it to keep the one the webhook has. */
    webhook: Type.Union([
      Type.Null(),
      Type.Object(
        { url: Type.String({ maxLength: 2000, pattern: '^https?://[^\\s]+$' }), secret: Type.Optional(Type.String({ minLength: 16, maxLength: 200 })) },
        { additionalProperties: false },
      ),
    ]),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const ClientParams = Type.Object({ clientId: ClientId });

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function messageJson(m: Message) {
  return {
    id: m.id,
    kind: m.kind,
    clientId: m.clientId,
    callId: m.callId,
    caller: { name: m.callerName, number: m.callerNumber },
    dialled: m.dialled,
    receivedAt: iso(m.receivedAt),
    durationMs: m.durationMs,
    text: m.text,
    transcript: m.transcript,
    flags: m.flags,
    authorId: m.authorId,
    audio: m.audio ? { sha256: m.audio.sha256, contentType: m.audio.contentType, bytes: m.audio.bytes } : null,
    handled: (m.handledAt ?? null) !== null,
    handledAt: iso(m.handledAt ?? null),
  };
}

function deliveryJson(d: Delivery) {
  return {
    id: d.id,
    channelId: d.channelId,
    kind: d.kind,
    target: d.target,
    status: d.status,
    attempts: d.attempts,
    maxAttempts: d.maxAttempts,
    lastError: d.lastError,
    sentAt: iso(d.sentAt),
    updatedAt: iso(d.updatedAt),
  };
}

function channelsJson(client: string, list: ChannelView[]) {
  const enabled = list.filter((c) => c.enabled);
  const webhook = enabled.find((c) => c.kind === 'webhook');
  return {
    clientId: client,
    emails: enabled.filter((c) => c.kind === 'email').map((c) => c.target),
    webhook: webhook ? { url: webhook.target, hasSecret: webhook.hasSecret } : null,
    channels: list.map((c) => ({ id: c.id, kind: c.kind, target: c.target, enabled: c.enabled, hasSecret: c.hasSecret })),
  };
}

/**
 * Messages for clients: typed by a receptionist (the voicemail pipeline's delivery path), read
 * back per client with their deliveries, and each client's delivery channels. Every list is
 * scoped by clientId; a webhook secret goes in and never comes out.
 */
export function messageRoutes(deps: MessageRoutesDeps): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const { messaging } = deps;

    app.post('/messages', { schema: { body: MessageBody } }, async (request, reply) => {
      const b = request.body;
      try {
        const saved = await messaging.submitTypedMessage({
          clientId: b.clientId,
          callId: b.callId,
          callerName: b.callerName,
          callerNumber: b.callerNumber,
          text: b.body,
          dialled: b.dialled,
          authorId: b.authorId,
          requestId: b.requestId,
        });
        return reply.status(saved.created ? 201 : 200).send({ id: saved.messageId, created: saved.created, deliveries: saved.pendingDeliveryIds.length });
      } catch (err) {
        const e = err as { code?: string; problems?: string[] };
        if (e.code === 'no-such-client') throw notFound('no-such-client', 'No client with that id.');
        if (e.code === 'bad-request' && Array.isArray(e.problems)) throw new ApiError(400, 'bad-request', `The message was refused: ${e.problems.join(', ')}.`);
        throw err;
      }
    });

    app.get('/messages', { schema: { querystring: ListQuery } }, async (request) => {
      const q = request.query;
      const before = q.cursor ? { receivedAt: Number(q.cursor.split('_')[0]), id: q.cursor.slice(q.cursor.indexOf('_') + 1) } : undefined;
      const handled = q.handled === undefined ? undefined : q.handled === 'true';
      const rows = await messaging.store.messagesPage({ clientId: q.clientId, since: q.since ? Date.parse(q.since) : undefined, before, limit: q.limit, handled });
      const last = rows[rows.length - 1];
      return { messages: rows.map(messageJson), next: rows.length === q.limit && last ? `${last.receivedAt}_${last.id}` : null };
    });

    app.get('/messages/:id', { schema: { params: IdParams, querystring: Type.Object({ clientId: Type.Optional(ClientId) }, { additionalProperties: false }) } }, async (request) => {
      const m = await messaging.store.message(request.params.id);
      // A clientId given must match: one client's console never reads another's message.
      if (!m || (request.query.clientId !== undefined && m.clientId !== request.query.clientId)) throw notFound('no-such-message', 'No message with that id.');
      return { ...messageJson(m), deliveries: m.deliveries.map(deliveryJson) };
    });

    app.get('/clients/:clientId/delivery-channels', { schema: { params: ClientParams } }, async (request) => {
      const { clientId } = request.params;
      if ((await messaging.store.clientName(clientId)) === null) throw notFound('no-such-client', 'No client with that id.');
      return channelsJson(clientId, await messaging.store.channelViews(clientId));
    });

    app.put('/clients/:clientId/delivery-channels', { schema: { params: ClientParams, body: ChannelsBody } }, async (request) => {
      const { clientId } = request.params;
      if ((await messaging.store.clientName(clientId)) === null) throw notFound('no-such-client', 'No client with that id.');
      const { emails, webhook } = request.body;
      const result = await messaging.store.replaceChannels(clientId, { emails, webhook: webhook ? { url: webhook.url, secret: webhook.secret } : null });
      if (result === 'webhook-secret-required') throw new ApiError(400, 'webhook-secret-required', 'A new webhook needs a secret (16 characters or more).');
      request.log.info({ clientId, emails: emails.length, webhook: webhook !== null }, 'delivery channels replaced');
      return channelsJson(clientId, result);
    });
  };
}
