import type { Announcement, AnnouncementDraft } from '../domain/announcements';

export type WithdrawResult = 'withdrawn' | 'already-ended' | 'no-such-announcement';

/** Announcements (PostgreSQL `announcements`); checks are the domain's, done before `create`. */
export interface AnnouncementStore {
  create(draft: AnnouncementDraft & { createdBy: string | null; createdAt: number }): Promise<Announcement>;
  /** Every announcement active at `atMs`, whatever its audience (the live snapshot filters per viewer). */
  active(atMs: number): Promise<Announcement[]>;
  /** Scheduled, active, and those ended after `endedAfterMs`; latest start first. */
  list(opts: { endedAfterMs: number }): Promise<Announcement[]>;
  /** Ends it at `atMs` (a scheduled one never shows); an ended one is left as it is. */
  withdraw(id: string, atMs: number): Promise<WithdrawResult>;
}
