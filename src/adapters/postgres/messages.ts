import pg from 'pg';
import type { Logger } from 'pino';
import type { ChannelKind, Delivery, DeliveryChannel, DeliveryStatus, Message, MessageFlag } from '../../messages/model';
import type { ChannelView, DeliveryClaim, MessageStore, PendingVoicemail } from '../../messages/ports';

type Row = Record<string, unknown>;

const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : Date.parse(String(v)));
const msOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : ms(v));

function toMessage(r: Row): Message {
  return {
    id: r.id as string,
    sourceKey: r.source_key as string,
    kind: r.kind as Message['kind'],
    clientId: r.client_id as string,
    clientName: r.client_name as string,
    callId: (r.call_id as string | null) ?? null,
    callerName: r.caller_name as string,
    callerNumber: r.caller_number as string,
    dialled: r.dialled as string,
    receivedAt: ms(r.received_at),
    durationMs: (r.duration_ms as number | null) ?? null,
    text: (r.body as string | null) ?? null,
    audio: r.audio_sha256
      ? { sha256: r.audio_sha256 as string, fileName: r.audio_file_name as string, contentType: r.audio_content_type as string, bytes: r.audio_bytes as number }
      : null,
    transcript: (r.transcript as string | null) ?? null,
    flags: (r.flags as MessageFlag[]) ?? [],
    authorId: (r.author_id as string | null) ?? null,
    handledAt: msOrNull(r.handled_at),
    handledBy: (r.handled_by as string | null) ?? null,
  };
}

function toDelivery(r: Row): Delivery {
  return {
    id: r.id as string,
    messageId: r.message_id as string,
    channelId: String(r.channel_id),
    kind: r.kind as ChannelKind,
    target: r.target as string,
    status: r.status as DeliveryStatus,
    attempts: r.attempts as number,
    maxAttempts: r.max_attempts as number,
    lastError: (r.last_error as string | null) ?? null,
    sentAt: msOrNull(r.sent_at),
    updatedAt: ms(r.updated_at),
  };
}

function toChannel(r: Row): DeliveryChannel {
  return { id: String(r.id), clientId: r.client_id as string, kind: r.kind as ChannelKind, target: r.target as string, enabled: r.enabled as boolean };
}

const CLAIM_OPEN = (table: string, key: string, open: string) => `
  UPDATE ${table} t SET enqueued_at = now()
  WHERE t.${key} IN (
    SELECT ${key} FROM ${table}
    WHERE ${open} AND (enqueued_at IS NULL OR enqueued_at < now() - $2 * interval '1 millisecond')
    ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING t.${key} AS id`;

/**
 * Gathers the calls made while one batch is in flight (or in the same tick) and runs them as one
 * statement over all their keys: with dozens of jobs at once, one round trip serves many. Each
 * caller still gets its own answer; a failed batch fails every caller in it (their jobs retry).
 */
class Coalescer<K, V> {
  private pending = new Map<K, Array<{ resolve: (v: V | undefined) => void; reject: (err: unknown) => void }>>();
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly run: (keys: K[]) => Promise<Map<K, V>>,
    private readonly maxBatch = 200,
    private readonly maxInFlight = 2,
  ) {}

  isPending(key: K): boolean {
    return this.pending.has(key);
  }

  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this.pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.pending.size === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.pending.size > 0 && this.inFlight < this.maxInFlight) {
      const batch = new Map<K, Array<{ resolve: (v: V | undefined) => void; reject: (err: unknown) => void }>>();
      for (const [k, w] of this.pending) {
        if (batch.size >= this.maxBatch) break;
        batch.set(k, w);
      }
      for (const k of batch.keys()) this.pending.delete(k);
      this.inFlight += 1;
      this.run([...batch.keys()]).then(
        (result) => {
          for (const [k, waiters] of batch) for (const w of waiters) w.resolve(result.get(k));
        },
        (err) => {
          for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
        },
      ).finally(() => {
        this.inFlight -= 1;
        this.schedule();
      });
    }
  }
}

const OPEN_VOICEMAIL = 'done_at IS NULL AND failed_at IS NULL';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OPEN_DELIVERY = "(status = 'pending' OR (status = 'sending' AND lease_until < now()))";

/**
 * Messages, deliveries, the voicemail outbox and delivery channels. Every write that must
 * happen once is guarded by a unique key or a status check in the same statement.
 */
export class PostgresMessageStore implements MessageStore {
  constructor(
    private readonly pool: pg.Pool,
    /** Name for messages of a client that is not a row (the company-wide default). */
    private readonly defaultClientName: string,
  ) {}

  async claimVoicemails(limit: number, leaseMs: number): Promise<string[]> {
    const { rows } = await this.pool.query(CLAIM_OPEN('voicemail_outbox', 'call_id', OPEN_VOICEMAIL), [limit, leaseMs]);
    return rows.map((r) => r.id as string);
  }

  async releaseVoicemails(callIds: string[]): Promise<void> {
    if (callIds.length) await this.pool.query('UPDATE voicemail_outbox SET enqueued_at = NULL WHERE call_id = ANY($1)', [callIds]);
  }

  /** Batched: the voicemail jobs running at once share one query. */
  async pendingVoicemail(callId: string): Promise<PendingVoicemail | null> {
    return (await this.pendingVoicemails.get(callId)) ?? null;
  }

  private readonly pendingVoicemails = new Coalescer<string, PendingVoicemail>(async (callIds) => {
    const { rows } = await this.pool.query(
      `SELECT o.call_id, o.recording, o.message_id, o.created_at AS outbox_at,
              c.client_id, c.did, c.caller_name, c.caller_number, cl.name AS client_name,
              (SELECT (e.data->>'at')::bigint FROM call_events e
                WHERE e.call_id = o.call_id AND e.kind = 'voicemail-recorded' ORDER BY e.at DESC LIMIT 1) AS recorded_at
       FROM voicemail_outbox o
       JOIN calls c ON c.id = o.call_id
       LEFT JOIN clients cl ON cl.id = c.client_id
       WHERE o.call_id = ANY($1::text[])`,
      [callIds],
    );
    return new Map(
      rows.map((r) => [
        r.call_id as string,
        {
          callId: r.call_id,
          recording: r.recording,
          messageId: r.message_id,
          clientId: r.client_id,
          clientName: r.client_name ?? this.defaultClientName,
          callerName: r.caller_name,
          callerNumber: r.caller_number,
          dialled: r.did,
          recordedAt: r.recorded_at !== null ? Number(r.recorded_at) : ms(r.outbox_at),
        } satisfies PendingVoicemail,
      ]),
    );
  });

  async failVoicemail(callId: string, reason: string): Promise<void> {
    await this.pool.query('UPDATE voicemail_outbox SET failed_at = now(), last_error = $2 WHERE call_id = $1 AND done_at IS NULL', [callId, reason]);
  }

  async saveMessage(message: Message, opts: { maxAttempts: Record<ChannelKind, number>; voicemailCallId?: string }) {
    // One statement, so one round trip and one implicit transaction: the message, a delivery
    // per enabled channel (enqueued_at now: the caller enqueues them next, the sweep takes
    // over if it cannot) and the outbox row marked done.
    const { rows } = await this.pool.query(
      `WITH msg AS (
         INSERT INTO messages (id, source_key, kind, client_id, client_name, call_id, caller_name, caller_number, dialled,
           received_at, duration_ms, body, audio_sha256, audio_file_name, audio_content_type, audio_bytes, transcript, flags, author_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, to_timestamp($10::double precision / 1000), $11, $12, $13, $14, $15, $16, $17, $18, $19)
         ON CONFLICT (source_key) DO NOTHING RETURNING id, client_id),
       deliveries AS (
         INSERT INTO message_deliveries (message_id, channel_id, kind, target, max_attempts, enqueued_at)
         SELECT msg.id, ch.id, ch.kind, ch.target, CASE ch.kind WHEN 'email' THEN $20::integer ELSE $21::integer END, now()
         FROM msg JOIN client_delivery_channels ch ON ch.client_id = msg.client_id AND ch.enabled
         RETURNING id),
       outbox AS (
         UPDATE voicemail_outbox SET done_at = now(), message_id = msg.id, failed_at = NULL, last_error = NULL
         FROM msg WHERE call_id = $22 RETURNING 1)
       SELECT (SELECT id FROM msg) AS created, ARRAY(SELECT id FROM deliveries) AS deliveries, (SELECT count(*) FROM outbox) AS outbox`,
      [
        message.id, message.sourceKey, message.kind, message.clientId, message.clientName, message.callId, message.callerName,
        message.callerNumber, message.dialled, message.receivedAt, message.durationMs, message.text, message.audio?.sha256 ?? null,
        message.audio?.fileName ?? null, message.audio?.contentType ?? null, message.audio?.bytes ?? null, message.transcript,
        message.flags, message.authorId, opts.maxAttempts.email, opts.maxAttempts.webhook, opts.voicemailCallId ?? null,
      ],
    );
    if (rows[0].created) return { messageId: rows[0].created as string, created: true, pendingDeliveryIds: rows[0].deliveries as string[] };

    // Someone made it first (a re-run after a crash, a retried submit): report theirs, and
    // make sure the outbox row says done. A new statement sees their committed rows.
    const existing = await this.pool.query(
      `SELECT m.id, array_remove(array_agg(d.id) FILTER (WHERE d.status = 'pending'), NULL) AS pending
       FROM messages m LEFT JOIN message_deliveries d ON d.message_id = m.id WHERE m.source_key = $1 GROUP BY m.id`,
      [message.sourceKey],
    );
    const messageId = existing.rows[0].id as string;
    if (opts.voicemailCallId !== undefined) {
      await this.pool.query('UPDATE voicemail_outbox SET done_at = now(), message_id = $2, failed_at = NULL, last_error = NULL WHERE call_id = $1 AND done_at IS NULL', [
        opts.voicemailCallId,
        messageId,
      ]);
    }
    return { messageId, created: false, pendingDeliveryIds: (existing.rows[0].pending as string[] | null) ?? [] };
  }

  async clientName(clientId: string): Promise<string | null> {
    const { rows } = await this.pool.query('SELECT name FROM clients WHERE id = $1', [clientId]);
    return rows[0]?.name ?? null;
  }

  async claimPendingDeliveries(limit: number, leaseMs: number): Promise<string[]> {
    const { rows } = await this.pool.query(CLAIM_OPEN('message_deliveries', 'id', OPEN_DELIVERY), [limit, leaseMs]);
    return rows.map((r) => r.id as string);
  }

  async releasePendingDeliveries(deliveryIds: string[]): Promise<void> {
    if (deliveryIds.length) await this.pool.query('UPDATE message_deliveries SET enqueued_at = NULL WHERE id = ANY($1::uuid[])', [deliveryIds]);
  }

  /**
   * Batched: the delivery jobs running at once claim their rows in one statement (each row is
   * still claimed only while open, so only one worker ever holds it). A delivery already waiting
   * in the batch is claimed on its own, so two claims of one row never share an answer.
   */
  async claimDelivery(deliveryId: string, leaseMs: number): Promise<DeliveryClaim> {
    if (!UUID.test(deliveryId)) return { kind: 'missing' };
    let claims = this.claims.get(leaseMs);
    if (!claims) this.claims.set(leaseMs, (claims = new Coalescer((ids) => this.claimDeliveries(ids, leaseMs))));
    const claim = claims.isPending(deliveryId) ? (await this.claimDeliveries([deliveryId], leaseMs)).get(deliveryId) : await claims.get(deliveryId);
    return claim ?? { kind: 'missing' };
  }

  private readonly claims = new Map<number, Coalescer<string, DeliveryClaim>>();

  private async claimDeliveries(ids: string[], leaseMs: number): Promise<Map<string, DeliveryClaim>> {
    const out = new Map<string, DeliveryClaim>();
    const { rows } = await this.pool.query(
      `WITH claimed AS (
         UPDATE message_deliveries SET status = 'sending', attempts = attempts + 1, updated_at = now(),
                lease_until = now() + $2 * interval '1 millisecond'
         WHERE id = ANY($1::uuid[]) AND ${OPEN_DELIVERY}
         RETURNING *)
       SELECT d.id, row_to_json(d) AS d, row_to_json(m) AS m, ch.secret
       FROM claimed d JOIN messages m ON m.id = d.message_id JOIN client_delivery_channels ch ON ch.id = d.channel_id`,
      [ids, leaseMs],
    );
    for (const r of rows) out.set(r.id as string, { kind: 'claimed', delivery: toDelivery(r.d), message: toMessage(r.m), secret: r.secret });
    const rest = ids.filter((id) => !out.has(id));
    if (rest.length) {
      const { rows: now } = await this.pool.query('SELECT id, status FROM message_deliveries WHERE id = ANY($1::uuid[])', [rest]);
      const statusOf = new Map(now.map((r) => [r.id as string, r.status as DeliveryStatus]));
      for (const id of rest) {
        const status = statusOf.get(id);
        out.set(id, status === undefined ? { kind: 'missing' } : status === 'sent' || status === 'failed' ? { kind: 'finished', status } : { kind: 'busy' });
      }
    }
    return out;
  }

  /** Batched, like the claims. */
  async markDeliverySent(deliveryId: string): Promise<void> {
    await this.sentMarks.get(deliveryId);
  }

  private readonly sentMarks = new Coalescer<string, true>(async (ids) => {
    await this.pool.query(
      "UPDATE message_deliveries SET status = 'sent', sent_at = now(), lease_until = NULL, last_error = NULL, updated_at = now() WHERE id = ANY($1::uuid[])",
      [ids],
    );
    return new Map(ids.map((id) => [id, true as const]));
  });

  async markDeliveryAttemptFailed(deliveryId: string, reason: string, final: boolean): Promise<DeliveryStatus> {
    const { rows } = await this.pool.query(
      `UPDATE message_deliveries SET status = CASE WHEN $3 THEN 'failed' ELSE 'pending' END, last_error = $2,
              lease_until = NULL, updated_at = now()
       WHERE id = $1 AND status = 'sending' RETURNING status`,
      [deliveryId, reason, final],
    );
    return (rows[0]?.status as DeliveryStatus | undefined) ?? 'pending';
  }

  async message(id: string): Promise<(Message & { deliveries: Delivery[] }) | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const { rows } = await this.pool.query('SELECT * FROM messages WHERE id = $1', [id]);
    if (!rows[0]) return null;
    const deliveries = await this.pool.query('SELECT * FROM message_deliveries WHERE message_id = $1 ORDER BY created_at, id', [id]);
    return { ...toMessage(rows[0]), deliveries: deliveries.rows.map(toDelivery) };
  }

  async messages(opts: { clientId?: string; limit: number }): Promise<Message[]> {
    const { rows } = opts.clientId
      ? await this.pool.query('SELECT * FROM messages WHERE client_id = $2 ORDER BY received_at DESC LIMIT $1', [opts.limit, opts.clientId])
      : await this.pool.query('SELECT * FROM messages ORDER BY received_at DESC LIMIT $1', [opts.limit]);
    return rows.map(toMessage);
  }

  async deliveries(opts: { status?: DeliveryStatus; limit: number }): Promise<Delivery[]> {
    const { rows } = opts.status
      ? await this.pool.query('SELECT * FROM message_deliveries WHERE status = $2 ORDER BY updated_at DESC LIMIT $1', [opts.limit, opts.status])
      : await this.pool.query('SELECT * FROM message_deliveries ORDER BY updated_at DESC LIMIT $1', [opts.limit]);
    return rows.map(toDelivery);
  }

  async failedVoicemails(limit: number): Promise<Array<{ callId: string; reason: string; failedAt: number }>> {
    const { rows } = await this.pool.query(
      'SELECT call_id, last_error, failed_at FROM voicemail_outbox WHERE failed_at IS NOT NULL AND done_at IS NULL ORDER BY failed_at DESC LIMIT $1',
      [limit],
    );
    return rows.map((r) => ({ callId: r.call_id, reason: r.last_error ?? '', failedAt: ms(r.failed_at) }));
  }

  async resetDelivery(deliveryId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE message_deliveries SET status = 'pending', attempts = 0, lease_until = NULL, enqueued_at = NULL, updated_at = now()
       WHERE id = $1 AND status = 'failed'`,
      [deliveryId],
    );
    return rowCount === 1;
  }

  async resetVoicemail(callId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'UPDATE voicemail_outbox SET failed_at = NULL, last_error = NULL, enqueued_at = NULL WHERE call_id = $1 AND failed_at IS NOT NULL AND done_at IS NULL',
      [callId],
    );
    return rowCount === 1;
  }

  async upsertChannel(channel: { clientId: string; kind: ChannelKind; target: string; secret?: string | null; enabled?: boolean }): Promise<DeliveryChannel> {
    const { rows } = await this.pool.query(
      `INSERT INTO client_delivery_channels (client_id, kind, target, secret, enabled) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (client_id, kind, target) DO UPDATE SET secret = EXCLUDED.secret, enabled = EXCLUDED.enabled
       RETURNING *`,
      [channel.clientId, channel.kind, channel.target, channel.secret ?? null, channel.enabled ?? true],
    );
    return toChannel(rows[0]);
  }

  /**
   * One page of a client's messages, newest first: received at or after `since`, and strictly
   * before the `before` cursor (the last row of the previous page) when given.
   */
  async messagesPage(opts: { clientId: string; since?: number; before?: { receivedAt: number; id: string }; limit: number; handled?: boolean }): Promise<Message[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM messages
       WHERE client_id = $1
         AND ($2::double precision IS NULL OR received_at >= to_timestamp($2::double precision / 1000))
         AND ($3::double precision IS NULL OR (received_at, id) < (to_timestamp($3::double precision / 1000), $4::uuid))
         AND ($6::boolean IS NULL OR (handled_at IS NOT NULL) = $6)
       ORDER BY received_at DESC, id DESC LIMIT $5`,
      [opts.clientId, opts.since ?? null, opts.before?.receivedAt ?? null, opts.before?.id ?? null, opts.limit, opts.handled ?? null],
    );
    return rows.map(toMessage);
  }

  /**
   * Marks a message handled (the first mark is kept: when and by whom) or not handled. Null when
   * there is no such message, or it belongs to another client than `clientId` (when given).
   */
  async setHandled(id: string, opts: { clientId: string | null; handled: boolean; atMs: number; by: string }): Promise<Message | null> {
    if (!UUID.test(id)) return null;
    const { rows } = await this.pool.query(
      `UPDATE messages SET
         handled_at = CASE WHEN $3 THEN COALESCE(handled_at, to_timestamp($4::double precision / 1000)) END,
         handled_by = CASE WHEN $3 THEN COALESCE(handled_by, $5) END
       WHERE id = $1 AND ($2::text IS NULL OR client_id = $2)
       RETURNING *`,
      [id, opts.clientId, opts.handled, opts.atMs, opts.by],
    );
    return rows[0] ? toMessage(rows[0]) : null;
  }

  /** A client's channels with whether each has a secret (the secret itself never leaves here). */
  async channelViews(clientId: string): Promise<ChannelView[]> {
    const { rows } = await this.pool.query('SELECT *, secret IS NOT NULL AS has_secret FROM client_delivery_channels WHERE client_id = $1 ORDER BY id', [clientId]);
    return rows.map((r) => ({ ...toChannel(r), hasSecret: r.has_secret as boolean }));
  }

  /**
   * Makes the client's enabled channels exactly these e-mail addresses and (at most) this
   * webhook, in one transaction; others are disabled, not deleted (deliveries refer to them).
   * A webhook given without a secret keeps the secret it has; 'webhook-secret-required' when it
   * has none.
   */
  async replaceChannels(clientId: string, wanted: { emails: string[]; webhook: { url: string; secret?: string } | null }): Promise<ChannelView[] | 'webhook-secret-required'> {
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      await db.query('SELECT 1 FROM clients WHERE id = $1 FOR UPDATE', [clientId]);
      if (wanted.webhook && wanted.webhook.secret === undefined) {
        const { rows } = await db.query("SELECT secret FROM client_delivery_channels WHERE client_id = $1 AND kind = 'webhook' AND target = $2", [clientId, wanted.webhook.url]);
        if (!rows[0]?.secret) {
          await db.query('ROLLBACK');
          return 'webhook-secret-required';
        }
      }
      const keep = [...wanted.emails.map((e) => `email ${e}`), ...(wanted.webhook ? [`webhook ${wanted.webhook.url}`] : [])];
      await db.query("UPDATE client_delivery_channels SET enabled = false WHERE client_id = $1 AND NOT ((kind || ' ' || target) = ANY($2))", [clientId, keep]);
      for (const email of wanted.emails) {
        await db.query(
          `INSERT INTO client_delivery_channels (client_id, kind, target, enabled) VALUES ($1, 'email', $2, true)
           ON CONFLICT (client_id, kind, target) DO UPDATE SET enabled = true`,
          [clientId, email],
        );
      }
      if (wanted.webhook) {
        await db.query(
          `INSERT INTO client_delivery_channels (client_id, kind, target, secret, enabled) VALUES ($1, 'webhook', $2, $3, true)
           ON CONFLICT (client_id, kind, target) DO UPDATE SET enabled = true, secret = COALESCE(EXCLUDED.secret, client_delivery_channels.secret)`,
          [clientId, wanted.webhook.url, wanted.webhook.secret ?? null],
        );
      }
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      db.release();
    }
    return this.channelViews(clientId);
  }

  async channels(clientId: string): Promise<DeliveryChannel[]> {
    const { rows } = await this.pool.query('SELECT * FROM client_delivery_channels WHERE client_id = $1 ORDER BY id', [clientId]);
    return rows.map(toChannel);
  }
}

/** A pool of its own for the worker (or for the call server's admin routes). */
export function openMessageStore(opts: { databaseUrl: string; schema?: string; poolSize?: number; defaultClientName: string; logger: Logger }): {
  store: PostgresMessageStore;
  ping(): Promise<void>;
  close(): Promise<void>;
} {
  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    options: opts.schema ? `-c search_path=${opts.schema}` : undefined,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
  });
  pool.on('error', (err) => opts.logger.warn({ err: err.message }, 'idle PostgreSQL connection lost'));
  return {
    store: new PostgresMessageStore(pool, opts.defaultClientName),
    ping: async () => void (await pool.query('SELECT 1')),
    close: () => pool.end(),
  };
}
