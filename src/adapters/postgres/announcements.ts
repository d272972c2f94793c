import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Announcement, AnnouncementDraft } from '../../domain/announcements';
import type { AnnouncementStore, WithdrawResult } from '../../ports/announcements';

const COLUMNS = 'id, text, level, audience, starts_at, ends_at, created_by, created_at, withdrawn_at';

const ms = (t: Date | null) => (t === null ? null : new Date(t).getTime());

function toAnnouncement(r: Record<string, any>): Announcement {
  return {
    id: r.id,
    text: r.text,
    level: r.level,
    audience: r.audience,
    startsAt: ms(r.starts_at)!,
    endsAt: ms(r.ends_at)!,
    createdBy: r.created_by,
    createdAt: ms(r.created_at)!,
    withdrawnAt: ms(r.withdrawn_at),
  };
}

/** Announcements in PostgreSQL (migrations/1764510000000_announcements-and-usage.sql). */
export class PostgresAnnouncementStore implements AnnouncementStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(d: AnnouncementDraft & { createdBy: string | null; createdAt: number }): Promise<Announcement> {
    const { rows } = await this.pool.query(
      `INSERT INTO announcements (id, text, level, audience, starts_at, ends_at, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      [randomUUID(), d.text, d.level, d.audience, new Date(d.startsAt), new Date(d.endsAt), d.createdBy, new Date(d.createdAt)],
    );
    return toAnnouncement(rows[0]);
  }

  async active(atMs: number): Promise<Announcement[]> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM announcements WHERE starts_at <= $1 AND ends_at > $1`, [new Date(atMs)]);
    return rows.map(toAnnouncement);
  }

  async list(opts: { endedAfterMs: number }): Promise<Announcement[]> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM announcements WHERE ends_at > $1 ORDER BY starts_at DESC, created_at DESC, id`, [
      new Date(opts.endedAfterMs),
    ]);
    return rows.map(toAnnouncement);
  }

  async withdraw(id: string, atMs: number): Promise<WithdrawResult> {
    const at = new Date(atMs);
    const { rowCount } = await this.pool.query(
      `UPDATE announcements SET ends_at = $2, starts_at = least(starts_at, $2), withdrawn_at = $2 WHERE id = $1 AND ends_at > $2`,
      [id, at],
    );
    if (rowCount) return 'withdrawn';
    const { rows } = await this.pool.query('SELECT 1 FROM announcements WHERE id = $1', [id]);
    return rows.length ? 'already-ended' : 'no-such-announcement';
  }
}
