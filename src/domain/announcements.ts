/**
 * Announcements: banners an admin publishes to receptionists and/or clients for a window of
 * time ("office closed for the holiday"). Pure: who sees which, when, and what may be published.
 */
import type { Actor } from './access';

export const ANNOUNCEMENT_LEVELS = ['info', 'warning'] as const;
export type AnnouncementLevel = (typeof ANNOUNCEMENT_LEVELS)[number];

export const ANNOUNCEMENT_AUDIENCES = ['receptionists', 'clients', 'everyone'] as const;
export type AnnouncementAudience = (typeof ANNOUNCEMENT_AUDIENCES)[number];

export type AnnouncementState = 'scheduled' | 'active' | 'ended';

/** Who is looking: a receptionist, a client, or staff who see every banner. */
export type Viewer = 'receptionist' | 'client' | 'all';

export interface Announcement {
  id: string;
  text: string;
  level: AnnouncementLevel;
  audience: AnnouncementAudience;
  /** Milliseconds since the epoch: shown while startsAt <= now < endsAt. */
  startsAt: number;
  endsAt: number;
  /** The admin's user id; null when published with the service token. */
  createdBy: string | null;
  createdAt: number;
  /** When an admin withdrew it (its end then moved to that moment); null otherwise. */
  withdrawnAt: number | null;
}

export interface AnnouncementDraft {
  text: string;
  level: AnnouncementLevel;
  audience: AnnouncementAudience;
  startsAt: number;
  endsAt: number;
}

export const MAX_TEXT_CHARS = 500;
export const MAX_WINDOW_MS = 366 * 86_400_000;
/** Ended announcements stay in the admin list this long. */
export const ENDED_KEPT_MS = 30 * 86_400_000;

// C0 controls, DEL and C1 controls: a banner is one plain line of text.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export type DraftProblem = { code: 'bad-text' | 'bad-window'; message: string };

/** Why a draft may not be published at `atMs`, or null when it may. */
export function checkDraft(d: AnnouncementDraft, atMs: number): DraftProblem | null {
  const chars = [...d.text].length;
  if (chars < 1 || chars > MAX_TEXT_CHARS || d.text.trim() === '') return { code: 'bad-text', message: `The text must be 1 to ${MAX_TEXT_CHARS} characters.` };
  if (CONTROL.test(d.text)) return { code: 'bad-text', message: 'The text may not hold control characters (line breaks, tabs).' };
  if (!Number.isFinite(d.startsAt) || !Number.isFinite(d.endsAt)) return { code: 'bad-window', message: 'The start and the end must be times.' };
  if (d.endsAt <= d.startsAt) return { code: 'bad-window', message: 'The end must be after the start.' };
  if (d.endsAt <= atMs) return { code: 'bad-window', message: 'The end must be in the future.' };
  if (d.endsAt - d.startsAt > MAX_WINDOW_MS) return { code: 'bad-window', message: 'An announcement lasts at most 366 days.' };
  return null;
}

export function stateAt(a: Pick<Announcement, 'startsAt' | 'endsAt'>, atMs: number): AnnouncementState {
  if (atMs < a.startsAt) return 'scheduled';
  return atMs < a.endsAt ? 'active' : 'ended';
}

/** Receptionists and clients see what is meant for them; admins, supervisors and the service token see all. */
export function viewerOf(actor: Actor): Viewer {
  if (actor.kind === 'user' && actor.role === 'receptionist') return 'receptionist';
  if (actor.kind === 'user' && actor.role === 'client') return 'client';
  return 'all';
}

function meantFor(audience: AnnouncementAudience, viewer: Viewer): boolean {
  if (viewer === 'all' || audience === 'everyone') return true;
  return viewer === 'receptionist' ? audience === 'receptionists' : audience === 'clients';
}

/** Warnings first, then the newest (latest start, then latest created). */
export function byImportance(a: Announcement, b: Announcement): number {
  if (a.level !== b.level) return a.level === 'warning' ? -1 : 1;
  return b.startsAt - a.startsAt || b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The announcements a viewer sees at `atMs`, in the order to show them. */
export function visibleTo(announcements: readonly Announcement[], viewer: Viewer, atMs: number): Announcement[] {
  return announcements.filter((a) => stateAt(a, atMs) === 'active' && meantFor(a.audience, viewer)).sort(byImportance);
}
