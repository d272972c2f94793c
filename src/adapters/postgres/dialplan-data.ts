import type pg from 'pg';
import type { AfterHoursPolicy } from '../../domain/after-hours';
import type { IsoWeekday } from '../../domain/business-hours';
import type { CallerListEntry, CallerListKind } from '../../domain/caller-screening';
import type { DialplanClient, DialplanData } from '../../ports/dialplan-data';
import { normaliseNumber } from './numbers';

interface ClientRow {
  id: string;
  name: string;
  time_zone: string;
  voicemail_box: string | null;
  after_hours_action: AfterHoursPolicy['action'];
  after_hours_announcement: string | null;
  after_hours_forward_to: string | null;
  after_hours_forward_allowed: boolean;
  hours: Array<{ weekday: number; opens: string; closes: string }> | null;
  closures: Array<{ first_day: string; last_day: string; label: string }> | null;
  status_text: string | null;
  status_posted_at: Date | null;
  status_expires_at: Date | null;
}

// One round trip. Closures are limited to those within two days of the instant (UTC dates):
// enough for any time zone's local date, and the table may hold years of holidays.
const CLIENT_SQL = `
  SELECT c.id, c.name, c.time_zone, c.after_hours_action, c.after_hours_announcement,
         c.after_hours_forward_to, c.after_hours_forward_allowed,
         COALESCE(c.voicemail_box, CASE WHEN c.overflow->>'kind' = 'voicemail' THEN c.overflow->>'mailbox' END) AS voicemail_box,
         (SELECT json_agg(json_build_object('weekday', h.weekday, 'opens', h.opens::text, 'closes', h.closes::text))
            FROM client_business_hours h WHERE h.client_id = c.id) AS hours,
         (SELECT json_agg(json_build_object('first_day', to_char(x.first_day, 'YYYY-MM-DD'),
                                            'last_day', to_char(x.last_day, 'YYYY-MM-DD'), 'label', x.label))
            FROM client_closures x
           WHERE x.client_id = c.id
             AND x.last_day >= (to_timestamp($2::double precision / 1000) AT TIME ZONE 'UTC')::date - 2
             AND x.first_day <= (to_timestamp($2::double precision / 1000) AT TIME ZONE 'UTC')::date + 2) AS closures,
         s.text AS status_text, s.posted_at AS status_posted_at, s.expires_at AS status_expires_at
  FROM client_numbers n
  JOIN clients c ON c.id = n.client_id
  -- A status scheduled to start later is not current yet (an ended one is dropped by currentStatusText).
  LEFT JOIN client_status s ON s.client_id = c.id
    AND (s.starts_at IS NULL OR s.starts_at <= to_timestamp($2::double precision / 1000))
  WHERE n.number = $1`;

function toDialplanClient(row: ClientRow): DialplanClient {
  return {
    id: row.id,
    name: row.name,
    schedule: {
      timeZone: row.time_zone,
      hours: (row.hours ?? []).map((h) => ({ weekday: h.weekday as IsoWeekday, opens: h.opens, closes: h.closes })),
      closures: (row.closures ?? []).map((x) => ({ firstDay: x.first_day, lastDay: x.last_day, label: x.label })),
    },
    status:
      row.status_text === null
        ? null
        : { text: row.status_text, postedAt: row.status_posted_at!.getTime(), expiresAt: row.status_expires_at ? row.status_expires_at.getTime() : null },
    voicemailBox: row.voicemail_box,
    afterHours: {
      action: row.after_hours_action,
      announcement: row.after_hours_announcement,
      forwardTo: row.after_hours_forward_to,
      forwardAllowed: row.after_hours_forward_allowed,
    },
  };
}

/** The FastAGI lookups' data. No cache: each lookup is one indexed query, and edits show at once. */
export class PostgresDialplanData implements DialplanData {
  constructor(private readonly pool: pg.Pool) {}

  async clientForNumber(dialled: string, atMs: number): Promise<DialplanClient | null> {
    const number = normaliseNumber(dialled);
    if (!number.replace('+', '')) return null;
    const { rows } = await this.pool.query<ClientRow>(CLIENT_SQL, [number, atMs]);
    return rows[0] ? toDialplanClient(rows[0]) : null;
  }

  async callerListEntries(callerNumber: string, clientId: string | null): Promise<CallerListEntry[]> {
    const number = normaliseNumber(callerNumber);
    if (!number.replace('+', '')) return [];
    const { rows } = await this.pool.query<{ client_id: string | null; number: string; kind: CallerListKind; label: string }>(
      `SELECT client_id, number, kind, label FROM caller_list_entries
       WHERE number = $1 AND (client_id IS NULL OR client_id = $2)`,
      [number, clientId],
    );
    return rows.map((r) => ({ clientId: r.client_id, number: r.number, kind: r.kind, label: r.label }));
  }
}
