import type pg from 'pg';
import type { Logger } from 'pino';
import type { BusinessSchedule, IsoWeekday } from '../../domain/business-hours';
import type { CallbackAttemptOutcome, CallbackStatus, CallbackTicket } from '../../domain/callbacks';
import type { TimelineEntry } from '../../domain/messages';
import type { CallbackAttemptRecord, CallbackRecord, CallbackStore, PendingCallbackRow } from '../../ports/callbacks';

const ts = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toRecord(r: Record<string, any>): CallbackRecord {
  return {
    id: r.id,
    clientId: r.client_id,
    number: r.number,
    name: r.name,
    note: r.note,
    source: r.source,
    originalCallId: r.original_call_id,
    did: r.did,
    status: r.status,
    attempts: r.attempts,
    enqueuedAt: r.enqueued_at,
    originalWaitMs: r.original_wait_ms,
    dueAt: r.due_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const UPSERT_SQL = `
  INSERT INTO callbacks (id, client_id, number, name, note, source, original_call_id, did, status, attempts, enqueued_at,
                         priority_tier, original_wait_ms, due_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
  ON CONFLICT (id) DO UPDATE SET status = $9, attempts = $10, due_at = $14, updated_at = now()
  WHERE callbacks.status NOT IN ('completed', 'failed', 'cancelled')`;

/**
 * Callbacks and the attempt outbox. State changes from the call path are queued and written in
 * order (a failed write is retried with backoff); the outbox insert is awaited by the dialler.
 */
export class PostgresCallbackStore implements CallbackStore {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
  ) {}

  private enqueue(what: string, write: () => Promise<unknown>): void {
    this.chain = this.chain.then(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await write();
          return;
        } catch (err) {
          if (attempt >= 5) {
            this.logger.error({ err: (err as Error).message, what }, 'callback write failed for good');
            return;
          }
          this.logger.warn({ err: (err as Error).message, what, attempt }, 'callback write failed; will retry');
          await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        }
      }
    });
  }

  private params(t: CallbackTicket, status: CallbackStatus, dueAt: number | null, source: 'caller' | 'api'): unknown[] {
    return [t.id, t.clientId, t.number, t.name, t.note, source, t.originalCallId, t.did, status, t.attempts, ts(t.enqueuedAt), t.priorityTier, t.originalWaitMs, ts(dueAt)];
  }

  save(ticket: CallbackTicket, status: CallbackStatus, dueAt: number | null, source: 'caller' | 'api'): void {
    this.enqueue('save', () => this.pool.query(UPSERT_SQL, this.params(ticket, status, dueAt, source)));
  }

  saveAttemptOutcome(callbackId: string, attempt: number, receptionistId: string | null, outcome: CallbackAttemptOutcome | null): void {
    if (outcome === null) return; // the row is written by beginAttempt, before the originate
    this.enqueue('attempt', () =>
      this.pool.query(
        `UPDATE callback_attempts SET status = $3, ended_at = now(), receptionist_id = COALESCE(receptionist_id, $4)
         WHERE callback_id = $1 AND attempt = $2`,
        [callbackId, attempt, outcome, receptionistId],
      ),
    );
  }

  async create(ticket: CallbackTicket, status: CallbackStatus, dueAt: number, source: 'caller' | 'api'): Promise<void> {
    await this.pool.query(UPSERT_SQL, this.params(ticket, status, dueAt, source));
  }

  async beginAttempt(callbackId: string, attempt: number, channelId: string, receptionistId: string): Promise<boolean> {
    // The callback row may still be in the write queue: let it land first (same order as the domain).
    await this.flush();
    const { rowCount } = await this.pool.query(
      `INSERT INTO callback_attempts (callback_id, attempt, channel_id, receptionist_id, status) VALUES ($1, $2, $3, $4, 'sending')
       ON CONFLICT DO NOTHING`,
      [callbackId, attempt, channelId, receptionistId],
    );
    return rowCount === 1;
  }

  async markAttemptSent(callbackId: string, attempt: number): Promise<void> {
    await this.pool.query(`UPDATE callback_attempts SET status = 'sent', sent_at = now() WHERE callback_id = $1 AND attempt = $2 AND status = 'sending'`, [
      callbackId,
      attempt,
    ]);
  }

  async get(id: string): Promise<CallbackRecord | null> {
    const { rows } = await this.pool.query('SELECT * FROM callbacks WHERE id = $1', [id]);
    if (!rows[0]) return null;
    const [attempts, events] = await Promise.all([
      this.pool.query('SELECT * FROM callback_attempts WHERE callback_id = $1 ORDER BY attempt', [id]),
      this.pool.query('SELECT data FROM call_events WHERE call_id = $1 ORDER BY at, seq', [`callback-${id}`]),
    ]);
    return {
      ...toRecord(rows[0]),
      attemptList: attempts.rows.map(
        (a): CallbackAttemptRecord => ({
          attempt: a.attempt,
          channelId: a.channel_id,
          receptionistId: a.receptionist_id,
          status: a.status,
          createdAt: a.created_at,
          sentAt: a.sent_at,
          endedAt: a.ended_at,
        }),
      ),
      timeline: events.rows.map((e) => e.data as TimelineEntry),
    };
  }

  async list(opts: { clientId?: string; status?: CallbackStatus; limit: number }): Promise<CallbackRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM callbacks WHERE ($1::text IS NULL OR client_id = $1) AND ($2::text IS NULL OR status = $2)
       ORDER BY created_at DESC LIMIT $3`,
      [opts.clientId ?? null, opts.status ?? null, opts.limit],
    );
    return rows.map(toRecord);
  }

  async pending(): Promise<PendingCallbackRow[]> {
    const { rows } = await this.pool.query(
      `SELECT c.*, a.attempt AS open_attempt, a.channel_id AS open_channel_id, a.status AS open_status
       FROM callbacks c
       LEFT JOIN callback_attempts a ON a.callback_id = c.id AND a.attempt = c.attempts AND c.status = 'dialing'
       WHERE c.status IN ('scheduled', 'queued', 'dialing')
       ORDER BY c.enqueued_at`,
    );
    return rows.map((r) => ({
      ticket: {
        id: r.id,
        clientId: r.client_id,
        number: r.number,
        name: r.name,
        note: r.note,
        did: r.did,
        attempts: r.attempts,
        enqueuedAt: (r.enqueued_at as Date).getTime(),
        priorityTier: r.priority_tier,
        originalWaitMs: r.original_wait_ms,
        originalCallId: r.original_call_id,
      },
      status: r.status,
      dueAt: r.due_at ? (r.due_at as Date).getTime() : (r.enqueued_at as Date).getTime(),
      openAttempt: r.open_attempt ? { attempt: r.open_attempt, channelId: r.open_channel_id, status: r.open_status } : null,
    }));
  }

  async schedule(clientId: string, atMs: number): Promise<BusinessSchedule> {
    const { rows } = await this.pool.query(
      `SELECT c.time_zone,
         (SELECT json_agg(json_build_object('weekday', h.weekday, 'opens', h.opens::text, 'closes', h.closes::text))
            FROM client_business_hours h WHERE h.client_id = c.id) AS hours,
         (SELECT json_agg(json_build_object('first_day', to_char(x.first_day, 'YYYY-MM-DD'), 'last_day', to_char(x.last_day, 'YYYY-MM-DD'), 'label', x.label))
            FROM client_closures x
           WHERE x.client_id = c.id AND x.last_day >= (to_timestamp($2::double precision / 1000) AT TIME ZONE 'UTC')::date - 2) AS closures
       FROM clients c WHERE c.id = $1`,
      [clientId, atMs],
    );
    const row = rows[0];
    if (!row) return { timeZone: 'UTC', hours: [], closures: [] };
    return {
      timeZone: row.time_zone,
      hours: ((row.hours ?? []) as Array<{ weekday: number; opens: string; closes: string }>).map((h) => ({ weekday: h.weekday as IsoWeekday, opens: h.opens, closes: h.closes })),
      closures: ((row.closures ?? []) as Array<{ first_day: string; last_day: string; label: string }>).map((x) => ({ firstDay: x.first_day, lastDay: x.last_day, label: x.label })),
    };
  }

  async clientNumber(clientId: string): Promise<string | null> {
    const { rows } = await this.pool.query('SELECT number FROM client_numbers WHERE client_id = $1 ORDER BY number LIMIT 1', [clientId]);
    return rows[0]?.number ?? null;
  }

  flush(): Promise<void> {
    return this.chain;
  }
}
