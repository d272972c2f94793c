import type { AnalyticsTimelineEntry, PresenceChange } from '../../src/analytics';

/** A hand-computed morning (see docs/analytics.md): 2026-11-23, 10:00-10:30 UTC. */
export const T = (hms: string) => Date.parse(`2026-11-23T${hms}Z`);
const caller = { name: 'Caller', number: '5035551234' };

const arrived = (callId: string, at: string, clientId = 'acme', knownNumber = true): AnalyticsTimelineEntry => ({
  kind: 'arrived', callId, at: T(at), clientId, did: '5035550100', caller, knownNumber,
});
const offered = (callId: string, at: string, offerId: string, receptionistId: string): AnalyticsTimelineEntry => ({ kind: 'offered', callId, at: T(at), offerId, receptionistId });
const offerEnded = (callId: string, at: string, offerId: string, receptionistId: string, outcome: 'answered' | 'no-answer' | 'cancelled'): AnalyticsTimelineEntry => ({
  kind: 'offer-ended', callId, at: T(at), offerId, receptionistId, outcome,
});
const answered = (callId: string, at: string, receptionistId: string, waitMs: number): AnalyticsTimelineEntry => ({ kind: 'answered', callId, at: T(at), receptionistId, waitMs });
const ended = (callId: string, at: string, outcome: 'completed' | 'abandoned' | 'voicemail', waitMs: number, endedBy: 'caller' | 'receptionist' | 'system' = 'caller'): AnalyticsTimelineEntry => ({
  kind: 'ended', callId, at: T(at), outcome, waitMs, endedBy,
});

export const timelines: Record<string, AnalyticsTimelineEntry[]> = {
  // Arrives 10:14:50, answered 10:15:05 (wait 15 s), talk 300 s into the next interval.
  c1: [arrived('c1', '10:14:50'), offered('c1', '10:14:52', 'o1', 'rx1'), offerEnded('c1', '10:15:05', 'o1', 'rx1', 'answered'), answered('c1', '10:15:05', 'rx1', 15_000), ended('c1', '10:20:05', 'completed', 15_000)],
  // Abandoned while rx2's phone rang, after 9 s.
  c2: [arrived('c2', '10:01:00'), offered('c2', '10:01:02', 'o2', 'rx2'), offerEnded('c2', '10:01:09', 'o2', 'rx2', 'cancelled'), ended('c2', '10:01:09', 'abandoned', 9_000)],
  // Short abandon: 3 s.
  c3: [arrived('c3', '10:02:00'), ended('c3', '10:02:03', 'abandoned', 3_000)],
  // Answered exactly at T = 20 s: within the service level.
  c4: [arrived('c4', '10:03:00'), offered('c4', '10:03:01', 'o4', 'rx2'), offerEnded('c4', '10:03:20', 'o4', 'rx2', 'answered'), answered('c4', '10:03:20', 'rx2', 20_000), ended('c4', '10:05:20', 'completed', 20_000, 'receptionist')],
  // Answered 1 ms after T: not within. Talk 31 s.
  c5: [
    arrived('c5', '10:04:00'), offered('c5', '10:04:15', 'o5', 'rx3'), offerEnded('c5', '10:04:20.001', 'o5', 'rx3', 'answered'), answered('c5', '10:04:20.001', 'rx3', 20_001),
    ended('c5', '10:04:51.001', 'completed', 20_001),
  ],
  // Transferred after 60 s of talk; the caller stays 120 s more with the target.
  c6: [
    arrived('c6', '10:06:00'), offered('c6', '10:06:05', 'o6', 'rx1'), offerEnded('c6', '10:06:10', 'o6', 'rx1', 'answered'), answered('c6', '10:06:10', 'rx1', 10_000),
    { kind: 'transferred', callId: 'c6', at: T('10:07:10'), receptionistId: 'rx1', extension: '2001', context: 'acme-staff' },
    ended('c6', '10:09:10', 'completed', 10_000),
  ],
  // Another client, nobody logged in: closed, to voicemail.
  c7: [
    arrived('c7', '10:08:00', 'zen'),
    { kind: 'overflowed', callId: 'c7', at: T('10:08:00'), treatment: 'voicemail', reason: 'nobody-logged-in', waitMs: 0 },
    { kind: 'voicemail-recorded', callId: 'c7', at: T('10:09:00'), recording: 'zen/1' },
    ended('c7', '10:09:00', 'voicemail', 0, 'system'),
  ],
  // rx2 misses it, rx1 answers after 25 s.
  c8: [
    arrived('c8', '10:10:00'), offered('c8', '10:10:01', 'o8a', 'rx2'), offerEnded('c8', '10:10:16', 'o8a', 'rx2', 'no-answer'), offered('c8', '10:10:16', 'o8b', 'rx1'),
    offerEnded('c8', '10:10:25', 'o8b', 'rx1', 'answered'), answered('c8', '10:10:25', 'rx1', 25_000), ended('c8', '10:12:25', 'completed', 25_000),
  ],
};

const p = (receptionistId: string, at: string, state: PresenceChange['state'], callId: string | null = null, reason: string | null = null): PresenceChange => ({
  receptionistId, at: T(at), state, callId, reason,
});

export const presence: PresenceChange[] = [
  p('rx1', '09:55:00', 'available'),
  p('rx1', '10:06:05', 'ringing', 'c6'),
  p('rx1', '10:06:10', 'on-call', 'c6'),
  p('rx1', '10:07:10', 'available'),
  p('rx1', '10:10:16', 'ringing', 'c8'),
  p('rx1', '10:10:25', 'on-call', 'c8'),
  p('rx1', '10:12:25', 'wrap-up', 'c8'),
  p('rx1', '10:12:30', 'available'),
  p('rx1', '10:14:52', 'ringing', 'c1'),
  p('rx1', '10:15:05', 'on-call', 'c1'),
  p('rx1', '10:20:05', 'wrap-up', 'c1'),
  p('rx1', '10:20:15', 'available'),
  p('rx2', '10:00:00', 'available'),
  p('rx2', '10:01:02', 'ringing', 'c2'),
  p('rx2', '10:01:09', 'available'),
  p('rx2', '10:03:01', 'ringing', 'c4'),
  p('rx2', '10:03:20', 'on-call', 'c4'),
  p('rx2', '10:05:20', 'wrap-up', 'c4'),
  p('rx2', '10:05:25', 'available'),
  p('rx2', '10:10:01', 'ringing', 'c8'),
  p('rx2', '10:10:16', 'paused', null, 'missed-calls'),
  p('rx2', '10:30:00', 'logged-out'),
];
