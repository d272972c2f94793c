import type pg from 'pg';
import type { AfterHoursPolicy } from '../../domain/after-hours';
import type { Closure, IsoWeekday, OpeningInterval } from '../../domain/business-hours';
import { statusActive, type PostedStatus, type StatusInstruction } from '../../domain/client-settings';
import type { AllowRule, ClientContact, ContactAvailability } from '../../domain/destinations';
import type { ClientSettings, ClientSettingsStore, ClientStatusView } from '../../ports/client-settings';
import { NOTIFY_CHANNEL } from './directory';

type Row = Record<string, unknown>;

const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : null);
const msOrNull = (v: unknown): number | null => (v instanceof Date ? v.getTime() : null);
/** PostgreSQL prints a `time` as `HH:MM:SS` (`24:00:00` included): the API speaks `HH:MM`. */
const hhmm = (t: string) => t.slice(0, 5);

const STATUS_COLUMNS = 's.text AS status_text, s.instruction AS status_instruction, s.starts_at AS status_starts_at, s.expires_at AS status_ends_at, s.posted_at AS status_posted_at';

function toStatus(r: Row, atMs: number): ClientStatusView | null {
  if (r.status_text === null || r.status_text === undefined) return null;
  const window = { startsAt: msOrNull(r.status_starts_at), endsAt: msOrNull(r.status_ends_at) };
  return {
    text: r.status_text as string,
    instruction: r.status_instruction as StatusInstruction,
    startsAt: iso(r.status_starts_at),
    endsAt: iso(r.status_ends_at),
    postedAt: iso(r.status_posted_at) ?? new Date(atMs).toISOString(),
    active: statusActive(window, atMs),
  };
}

// One round trip for the whole page.
const SETTINGS_SQL = `
  SELECT c.id, c.name, c.greeting, c.time_zone, c.after_hours_action, c.after_hours_announcement,
         c.after_hours_forward_to, c.after_hours_forward_allowed, ${STATUS_COLUMNS},
         (SELECT json_agg(json_build_object('code', k.code, 'name', k.name, 'number', k.number, 'extension', k.extension,
                   'alwaysScreen', k.always_screen, 'availability', k.availability, 'note', k.note) ORDER BY k.code)
            FROM client_contacts k WHERE k.client_id = c.id) AS contacts,
         (SELECT json_agg(json_build_object('weekday', h.weekday, 'opens', h.opens::text, 'closes', h.closes::text) ORDER BY h.weekday, h.opens)
            FROM client_business_hours h WHERE h.client_id = c.id) AS hours,
         (SELECT json_agg(json_build_object('firstDay', to_char(x.first_day, 'YYYY-MM-DD'), 'lastDay', to_char(x.last_day, 'YYYY-MM-DD'),
                   'label', x.label) ORDER BY x.first_day)
            FROM client_closures x WHERE x.client_id = c.id) AS closures
  FROM clients c LEFT JOIN client_status s ON s.client_id = c.id
  WHERE c.id = $1`;

/**
 * The portal's client settings. No cache here: every read is one indexed query. The greeting is
 * also cached by every call server's PostgresDirectory, so a greeting change NOTIFYs it.
 */
export class PostgresClientSettings implements ClientSettingsStore {
  constructor(
    private readonly pool: pg.Pool,
    /** The schema: the directory caches reload on a NOTIFY carrying their own. */
    private readonly scope: string,
  ) {}

  async listClients(onlyClientId: string | null): Promise<Array<{ id: string; name: string }>> {
    const { rows } = await this.pool.query<{ id: string; name: string }>(
      'SELECT id, name FROM clients WHERE $1::text IS NULL OR id = $1 ORDER BY name, id',
      [onlyClientId],
    );
    return rows.map((r) => ({ id: r.id, name: r.name }));
  }

  async settings(clientId: string, atMs: number): Promise<ClientSettings | null> {
    const { rows } = await this.pool.query(SETTINGS_SQL, [clientId]);
    const r = rows[0] as Row | undefined;
    if (!r) return null;
    const contacts = (r.contacts as Array<ClientContact & { availability: ContactAvailability }> | null) ?? [];
    const hours = (r.hours as Array<{ weekday: number; opens: string; closes: string }> | null) ?? [];
    return {
      client: { id: r.id as string, name: r.name as string, greeting: r.greeting as string, timeZone: r.time_zone as string },
      status: toStatus(r, atMs),
      contacts,
      hours: hours.map((h): OpeningInterval => ({ weekday: h.weekday as IsoWeekday, opens: hhmm(h.opens), closes: hhmm(h.closes) })),
      closures: (r.closures as Closure[] | null) ?? [],
      afterHours: {
        action: r.after_hours_action as AfterHoursPolicy['action'],
        announcement: r.after_hours_announcement as string | null,
        forwardTo: r.after_hours_forward_to as string | null,
        forwardAllowed: r.after_hours_forward_allowed as boolean,
      },
    };
  }

  async transferAllow(clientId: string): Promise<AllowRule[]> {
    const { rows } = await this.pool.query('SELECT pattern, exact, international, premium FROM client_transfer_allow WHERE client_id = $1 ORDER BY pattern', [clientId]);
    return rows.map((r): AllowRule => ({ pattern: r.pattern, exact: r.exact, international: r.international, premium: r.premium }));
  }

  async setGreeting(clientId: string, greeting: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE clients SET greeting = $2, updated_at = now() WHERE id = $1', [clientId, greeting]);
    if (rowCount !== 1) return false;
    // The call path reads greetings from PostgresDirectory's memory: reload it on every call server.
    await this.pool.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, this.scope]);
    return true;
  }

  async setStatus(clientId: string, status: PostedStatus, posted: { atMs: number; by: string }): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO client_status (client_id, text, instruction, starts_at, expires_at, posted_at, posted_by)
       SELECT c.id, $2, $3, to_timestamp($4::double precision / 1000), to_timestamp($5::double precision / 1000),
              to_timestamp($6::double precision / 1000), $7
       FROM clients c WHERE c.id = $1
       ON CONFLICT (client_id) DO UPDATE SET text = EXCLUDED.text, instruction = EXCLUDED.instruction, starts_at = EXCLUDED.starts_at,
         expires_at = EXCLUDED.expires_at, posted_at = EXCLUDED.posted_at, posted_by = EXCLUDED.posted_by`,
      [clientId, status.text, status.instruction, status.startsAt, status.endsAt, posted.atMs, posted.by],
    );
    return rowCount === 1;
  }

  async clearStatus(clientId: string): Promise<boolean> {
    const { rows } = await this.pool.query(
      'WITH gone AS (DELETE FROM client_status WHERE client_id = $1) SELECT EXISTS (SELECT 1 FROM clients WHERE id = $1) AS client',
      [clientId],
    );
    return rows[0].client === true;
  }

  async upsertContact(clientId: string, c: ClientContact): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO client_contacts (client_id, code, name, number, extension, always_screen, availability, note)
       SELECT cl.id, $2, $3, $4, $5, $6, $7, $8 FROM clients cl WHERE cl.id = $1
       ON CONFLICT (client_id, code) DO UPDATE SET name = EXCLUDED.name, number = EXCLUDED.number, extension = EXCLUDED.extension,
         always_screen = EXCLUDED.always_screen, availability = EXCLUDED.availability, note = EXCLUDED.note, updated_at = now()`,
      [clientId, c.code, c.name, c.number, c.extension, c.alwaysScreen, c.availability, c.note],
    );
    return rowCount === 1;
  }

  async deleteContact(clientId: string, code: string): Promise<boolean | 'no-such-contact'> {
    const { rows } = await this.pool.query(
      `WITH gone AS (DELETE FROM client_contacts WHERE client_id = $1 AND code = $2 RETURNING 1)
       SELECT EXISTS (SELECT 1 FROM clients WHERE id = $1) AS client, (SELECT count(*) FROM gone)::int AS deleted`,
      [clientId, code],
    );
    if (rows[0].client !== true) return false;
    return rows[0].deleted === 1 ? true : 'no-such-contact';
  }

  async replaceHours(clientId: string, timeZone: string, hours: OpeningInterval[]): Promise<boolean> {
    return this.inTransaction(async (db) => {
      const { rowCount } = await db.query('UPDATE clients SET time_zone = $2, updated_at = now() WHERE id = $1', [clientId, timeZone]);
      if (rowCount !== 1) return false;
      await db.query('DELETE FROM client_business_hours WHERE client_id = $1', [clientId]);
      await db.query(
        `INSERT INTO client_business_hours (client_id, weekday, opens, closes)
         SELECT $1, x.weekday, x.opens::time, x.closes::time FROM unnest($2::smallint[], $3::text[], $4::text[]) AS x(weekday, opens, closes)`,
        [clientId, hours.map((h) => h.weekday), hours.map((h) => h.opens), hours.map((h) => h.closes)],
      );
      return true;
    });
  }

  async replaceClosures(clientId: string, closures: Closure[]): Promise<boolean> {
    return this.inTransaction(async (db) => {
      const { rowCount } = await db.query('UPDATE clients SET updated_at = now() WHERE id = $1', [clientId]);
      if (rowCount !== 1) return false;
      await db.query('DELETE FROM client_closures WHERE client_id = $1', [clientId]);
      await db.query(
        `INSERT INTO client_closures (client_id, first_day, last_day, label)
         SELECT $1, x.first_day::date, x.last_day::date, x.label FROM unnest($2::text[], $3::text[], $4::text[]) AS x(first_day, last_day, label)`,
        [clientId, closures.map((c) => c.firstDay), closures.map((c) => c.lastDay), closures.map((c) => c.label)],
      );
      return true;
    });
  }

  async setAfterHours(clientId: string, p: Omit<AfterHoursPolicy, 'forwardAllowed'> & { forwardAllowed?: boolean }): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE clients SET after_hours_action = $2, after_hours_announcement = $3, after_hours_forward_to = $4,
         after_hours_forward_allowed = COALESCE($5, after_hours_forward_allowed), updated_at = now()
       WHERE id = $1`,
      [clientId, p.action, p.announcement, p.forwardTo, p.forwardAllowed ?? null],
    );
    return rowCount === 1;
  }

  async currentStatus(clientId: string, atMs: number): Promise<ClientStatusView | null> {
    return (await this.currentStatuses([clientId], atMs)).get(clientId) ?? null;
  }

  async currentStatuses(clientIds: string[], atMs: number): Promise<Map<string, ClientStatusView | null>> {
    const out = new Map<string, ClientStatusView | null>(clientIds.map((id) => [id, null]));
    if (clientIds.length === 0) return out;
    const { rows } = await this.pool.query(
      `SELECT s.client_id, ${STATUS_COLUMNS} FROM client_status s
       WHERE s.client_id = ANY($1::text[]) AND (s.expires_at IS NULL OR s.expires_at > to_timestamp($2::double precision / 1000))`,
      [clientIds, atMs],
    );
    for (const r of rows) out.set(r.client_id as string, toStatus(r, atMs));
    return out;
  }

  private async inTransaction<T>(work: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      const result = await work(db);
      await db.query(result === false ? 'ROLLBACK' : 'COMMIT');
      return result;
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      db.release();
    }
  }
}
