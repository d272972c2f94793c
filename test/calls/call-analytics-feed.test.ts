import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { AnalyticsFeed } from '../../src/analytics';
import { CallService } from '../../src/calls/call-service';
import { NoticeHub } from '../../src/adapters/runtime/notice-hub';
import type { ClientProfile } from '../../src/domain/model';
import type { TimelineEntry } from '../../src/domain/messages';
import type { ReceptionistSnapshot } from '../../src/domain/receptionist';
import type { CallAnalytics, PresenceChange } from '../../src/ports/analytics';
import { MemoryCallLog, MemoryDirectory, MemoryLiveState, RecordingPbx } from '../support/fakes';

const fallback: ClientProfile = {
  id: 'default', name: 'Default', greeting: 'Hi', mohClass: 'default', holdPrompt: null, announcePosition: false, priorityTier: 0, maxWaitSeconds: 0,
  overflow: { kind: 'announcement', media: 'sound:goodbye' },
};

const snap = (presence: ReceptionistSnapshot['presence'], since: number): ReceptionistSnapshot =>
  ({ id: 'rx1', name: 'Sam', presence, idleSince: since, presenceSince: since, missedInRow: 0, reachable: true, pending: null }) as ReceptionistSnapshot;

describe('analytics feed', () => {
  it('given snapshots saved repeatedly then one presence change per change of state, reason or call', () => {
    const changes: PresenceChange[] = [];
    const lines: PresenceChange[] = [];
    const feed = new AnalyticsFeed({
      presenceLog: { appendPresence: (c) => changes.push(c), flush: async () => undefined },
      queueLog: { recordTimeline: () => undefined, recordPresence: (c) => lines.push(c), flush: async () => undefined },
      log: { warn: () => undefined },
    });
    feed.receptionistSaved(snap({ kind: 'available' }, 1000));
    feed.receptionistSaved(snap({ kind: 'available' }, 1000)); // idle-since or missed offers saved: no change
    feed.receptionistSaved(snap({ kind: 'paused', reason: 'lunch' }, 2000));
    feed.receptionistSaved(snap({ kind: 'paused', reason: 'training' }, 3000));
    feed.receptionistSaved(snap({ kind: 'ringing', callId: 'c1', offerId: 'o1' }, 4000));
    feed.receptionistSaved(snap({ kind: 'on-call', callId: 'c1' }, 5000));
    feed.receptionistSaved(snap({ kind: 'wrap-up', callId: 'c1', until: 9000 }, 6000));
    expect(changes).toEqual([
      { receptionistId: 'rx1', at: 1000, state: 'available', reason: null, callId: null },
      { receptionistId: 'rx1', at: 2000, state: 'paused', reason: 'lunch', callId: null },
      { receptionistId: 'rx1', at: 3000, state: 'paused', reason: 'training', callId: null },
      { receptionistId: 'rx1', at: 4000, state: 'ringing', reason: null, callId: 'c1' },
      { receptionistId: 'rx1', at: 5000, state: 'on-call', reason: null, callId: 'c1' },
      { receptionistId: 'rx1', at: 6000, state: 'wrap-up', reason: null, callId: 'c1' },
    ]);
    expect(lines).toEqual(changes);
  });

  it('given a queue_log that throws then the feed logs and the caller carries on', () => {
    const warnings: string[] = [];
    const feed = new AnalyticsFeed({
      presenceLog: { appendPresence: () => undefined, flush: async () => undefined },
      queueLog: { recordTimeline: () => { throw new Error('boom'); }, recordPresence: () => { throw new Error('boom'); }, flush: async () => undefined },
      log: { warn: (_f, msg) => warnings.push(msg) },
    });
    expect(() => feed.timeline({ kind: 'arrived', callId: 'c1', at: 1, clientId: 'acme', did: '1', caller: { name: 'x', number: '1' }, knownNumber: true })).not.toThrow();
    expect(() => feed.receptionistSaved(snap({ kind: 'available' }, 1))).not.toThrow();
    expect(warnings).toHaveLength(2);
  });

  it('given a call service with analytics when a receptionist logs in and pauses then their presence is fed', async () => {
    const directory = new MemoryDirectory();
    directory.people.set('rx1', { id: 'rx1', name: 'Sam', endpoint: 'PJSIP/rx1', groupId: 'g', wrapUpSeconds: 5, ringTimeoutSeconds: 15, maxMissedOffers: 2 });
    const saved: ReceptionistSnapshot[] = [];
    const timeline: TimelineEntry[] = [];
    const analytics: CallAnalytics = { timeline: (e) => timeline.push(e), receptionistSaved: (s) => saved.push(s), flush: async () => undefined };
    let now = 5_000;
    const calls = new CallService({
      app: 'switchboard', pbx: new RecordingPbx(), directory, liveState: new MemoryLiveState(), callLog: new MemoryCallLog(), notifier: new NoticeHub(),
      timers: { start() {}, cancel() {}, cancelAll() {} }, clock: { now: () => now }, logger: pino({ level: 'silent' }), defaultClient: fallback, analytics,
    });
    await calls.onPbxConnected();
    await calls.setPresence('rx1', { kind: 'available' });
    now = 6_000;
    await calls.setPresence('rx1', { kind: 'paused', reason: 'lunch' });
    expect(saved.map((s) => s.presence)).toEqual(expect.arrayContaining([{ kind: 'available' }, { kind: 'paused', reason: 'lunch' }]));
    await calls.stop();
  });
});
