import { describe, expect, it } from 'vitest';
import { checkDraft, MAX_WINDOW_MS, stateAt, viewerOf, visibleTo, type Announcement, type AnnouncementDraft } from '../../src/domain/announcements';

const NOW = Date.parse('2026-12-24T09:00:00Z');
const HOUR = 3_600_000;

let seq = 0;
function announcement(over: Partial<Announcement>): Announcement {
  seq += 1;
  return { id: `a${seq}`, text: `text ${seq}`, level: 'info', audience: 'everyone', startsAt: NOW - HOUR, endsAt: NOW + HOUR, createdBy: 'admin-1', createdAt: NOW - HOUR, withdrawnAt: null, ...over };
}

const draft = (over: Partial<AnnouncementDraft> = {}): AnnouncementDraft => ({ text: 'Office closed', level: 'info', audience: 'everyone', startsAt: NOW, endsAt: NOW + HOUR, ...over });

describe('announcement drafts', () => {
  it('given a window in the future of at most 366 days and plain text then it may be published', () => {
    expect(checkDraft(draft(), NOW)).toBeNull();
    expect(checkDraft(draft({ startsAt: NOW - 10 * HOUR, endsAt: NOW + 1 }), NOW)).toBeNull();
    expect(checkDraft(draft({ endsAt: NOW + MAX_WINDOW_MS }), NOW)).toBeNull();
    expect(checkDraft(draft({ text: 'x'.repeat(500) }), NOW)).toBeNull();
    // 500 characters, not 500 UTF-16 units.
    expect(checkDraft(draft({ text: '🎉'.repeat(500) }), NOW)).toBeNull();
    expect(checkDraft(draft({ text: '<b>"quoted" & \u202Ereversed</b>' }), NOW)).toBeNull();
  });

  it('given an end not after the start, already past, or a window over 366 days then bad-window', () => {
    expect(checkDraft(draft({ endsAt: NOW }), NOW)?.code).toBe('bad-window');
    expect(checkDraft(draft({ startsAt: NOW + 2 * HOUR, endsAt: NOW + HOUR }), NOW)?.code).toBe('bad-window');
    expect(checkDraft(draft({ startsAt: NOW - 2 * HOUR, endsAt: NOW }), NOW)?.code).toBe('bad-window');
    expect(checkDraft(draft({ endsAt: NOW + MAX_WINDOW_MS + 1 }), NOW)?.code).toBe('bad-window');
    expect(checkDraft(draft({ startsAt: Number.NaN }), NOW)?.code).toBe('bad-window');
  });

  it('given empty, blank, too long or control-character text then bad-text', () => {
    for (const text of ['', '   ', 'x'.repeat(501), 'a\nb', 'a\tb', 'a\rb', 'nul\u0000', 'del\u007f', 'c1\u0085']) {
      expect(checkDraft(draft({ text }), NOW)?.code, JSON.stringify(text)).toBe('bad-text');
    }
  });
});

describe('announcement state and visibility', () => {
  it('given a window then scheduled before its start, active from its start, ended at its end', () => {
    const a = { startsAt: NOW, endsAt: NOW + HOUR };
    expect(stateAt(a, NOW - 1)).toBe('scheduled');
    expect(stateAt(a, NOW)).toBe('active');
    expect(stateAt(a, NOW + HOUR - 1)).toBe('active');
    expect(stateAt(a, NOW + HOUR)).toBe('ended');
  });

  it('given each audience then a receptionist sees receptionists and everyone, a client clients and everyone, staff and the service token all', () => {
    const list = [announcement({ audience: 'receptionists' }), announcement({ audience: 'clients' }), announcement({ audience: 'everyone' })];
    const audiences = (viewer: Parameters<typeof visibleTo>[1]) => visibleTo(list, viewer, NOW).map((a) => a.audience).sort();
    expect(audiences('receptionist')).toEqual(['everyone', 'receptionists']);
    expect(audiences('client')).toEqual(['clients', 'everyone']);
    expect(audiences('all')).toEqual(['clients', 'everyone', 'receptionists']);
    expect(viewerOf({ kind: 'service' })).toBe('all');
    const user = (role: 'admin' | 'supervisor' | 'receptionist' | 'client') => ({ kind: 'user' as const, userId: 'u', role, clientId: null, receptionistId: null });
    expect(viewerOf(user('admin'))).toBe('all');
    expect(viewerOf(user('supervisor'))).toBe('all');
    expect(viewerOf(user('receptionist'))).toBe('receptionist');
    expect(viewerOf(user('client'))).toBe('client');
  });

  it('given scheduled, active and ended ones then only the active are visible, warnings first, then the newest', () => {
    const scheduled = announcement({ startsAt: NOW + 1, endsAt: NOW + HOUR });
    const ended = announcement({ startsAt: NOW - 2 * HOUR, endsAt: NOW });
    const oldInfo = announcement({ startsAt: NOW - 3 * HOUR });
    const newInfo = announcement({ startsAt: NOW - HOUR });
    const oldWarning = announcement({ level: 'warning', startsAt: NOW - 5 * HOUR });
    const sameStartLaterMade = announcement({ startsAt: NOW - HOUR, createdAt: NOW });
    const shown = visibleTo([scheduled, ended, oldInfo, newInfo, oldWarning, sameStartLaterMade], 'all', NOW);
    expect(shown.map((a) => a.id)).toEqual([oldWarning.id, sameStartLaterMade.id, newInfo.id, oldInfo.id]);
  });
});
