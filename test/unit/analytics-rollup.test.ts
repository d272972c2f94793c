import { describe, expect, it } from 'vitest';
import {
  callFactsFromTimeline,
  deriveFigures,
  emptyFigures,
  presenceSpans,
  rollUpWindow,
  sumFigures,
  timeInStates,
  windowsOfIntervals,
  alignedWindows,
  type IntervalFigures,
} from '../../src/analytics';
import { presence, T, timelines } from '../analytics/fixture';

const S = 1000;
const rollUp = (serviceLevelSeconds = 20) =>
  rollUpWindow({ timelines: Object.values(timelines), presence, from: T('10:00:00'), to: T('10:45:00'), asOf: T('11:00:00') }, { serviceLevelSeconds, shortAbandonSeconds: 5 });
const find = (rows: IntervalFigures[], start: string, scope: string) => rows.find((r) => r.intervalStart === T(start) && r.scope === scope);

describe('call facts from a timeline', () => {
  it('given a call answered after 15 s and talking 300 s across an interval boundary then wait and talk are whole', () => {
    expect(callFactsFromTimeline(timelines.c1)).toMatchObject({ arrivedAt: T('10:14:50'), waitMs: 15 * S, talkMs: 300 * S, receptionistId: 'rx1', enteredQueue: true });
  });

  it('given a completed transfer then talk stops at the transfer and the rest is after-transfer time', () => {
    expect(callFactsFromTimeline(timelines.c6)).toMatchObject({ talkMs: 60 * S, afterTransferMs: 120 * S, transfers: 1 });
  });

  it('given nobody logged in at arrival then the call never entered the queue', () => {
    expect(callFactsFromTimeline(timelines.c7)).toMatchObject({ enteredQueue: false, overflowReason: 'nobody-logged-in', voicemails: 1 });
  });

  it('given a call still in progress then it has no end and no talk yet', () => {
    expect(callFactsFromTimeline(timelines.c1.slice(0, 4))).toMatchObject({ endedAt: null, talkMs: 0, answeredAt: T('10:15:05') });
  });

  it('given hold entries (proposed kinds) then hold is taken out of talk', () => {
    const facts = callFactsFromTimeline([
      ...timelines.c8.slice(0, 6),
      { kind: 'held', callId: 'c8', at: T('10:11:00'), receptionistId: 'rx1' },
      { kind: 'resumed', callId: 'c8', at: T('10:11:30'), receptionistId: 'rx1' },
      timelines.c8[6],
    ]);
    expect(facts).toMatchObject({ holdMs: 30 * S, talkMs: 90 * S });
  });
});

describe('presence to time in states', () => {
  it('given rx2 from 10:00 then each state time inside 10:00-10:15 is as counted by hand', () => {
    const spans = presenceSpans(presence.filter((c) => c.receptionistId === 'rx2'), T('11:00:00'));
    expect(timeInStates(spans, T('10:00:00'), T('10:15:00'))).toEqual({
      'logged-out': 0, available: 450 * S, ringing: 41 * S, 'on-call': 120 * S, 'wrap-up': 5 * S, paused: 284 * S,
    });
  });

  it('given a repeated state then the span continues', () => {
    const spans = presenceSpans(
      [
        { receptionistId: 'r', at: 0, state: 'available', reason: null, callId: null },
        { receptionistId: 'r', at: 10, state: 'available', reason: null, callId: null },
        { receptionistId: 'r', at: 20, state: 'paused', reason: 'lunch', callId: null },
      ],
      50,
    );
    expect(spans.map((s) => [s.state, s.from, s.to])).toEqual([['available', 0, 20], ['paused', 20, 50]]);
  });
});

describe('interval roll-up of the fixture morning', () => {
  it('given the morning then the company row of 10:00-10:15 holds every call that arrived in it, whole', () => {
    expect(find(rollUp(), '10:00:00', 'company')).toEqual({
      ...emptyFigures(T('10:00:00'), 'company', 20),
      arrived: 8,
      closed: 1,
      offered: 7,
      answered: 5,
      answeredWithinThreshold: 3, // c1 15 s, c4 exactly 20 s, c6 10 s; not c5 (20.001 s) nor c8 (25 s)
      abandoned: 2,
      shortAbandoned: 1,
      abandonedDuringRing: 1,
      overflowed: 0,
      ringNoAnswer: 1,
      answeredWaitMs: 90_001,
      longestWaitMs: 25 * S,
      talkMs: 631 * S, // 300 + 120 + 31 + 60 + 120: c1's talk counts here though it ran to 10:20
      holdMs: 0,
      wrapUpMs: 20 * S, // c1 10 s (after 10:15), c4 5 s, c8 5 s
      transfers: 1,
      voicemails: 1,
      loggedInMs: 1800 * S,
      availableMs: 1143 * S,
      ringingMs: 63 * S,
      onCallMs: 300 * S,
      wrapUpStateMs: 10 * S,
      pausedMs: 284 * S,
    });
  });

  it('given the morning then derived figures follow the documented formulas', () => {
    const d = deriveFigures(find(rollUp(), '10:00:00', 'company')!);
    expect(d.serviceLevel).toBe(3 / 6); // within T / (offered - short abandons)
    expect(d.asaMs).toBeCloseTo(18_000.2, 6);
    expect(d.ahtMs).toBe((631 + 20) * S / 5);
    expect(d.occupancy).toBe(373 / (373 + 1143));
    expect(d.utilisation).toBe(373 / 1800);
    expect(d.abandonRate).toBe(2 / 7);
  });

  it('given the service level threshold at 25 s then c8 at exactly 25 s counts too', () => {
    expect(find(rollUp(25), '10:00:00', 'company')).toMatchObject({ answeredWithinThreshold: 5, serviceLevelSeconds: 25 });
  });

  it('given a call spanning two intervals then 10:15-10:30 has its receptionist time but not the call', () => {
    const row = find(rollUp(), '10:15:00', 'company')!;
    expect(row).toMatchObject({ arrived: 0, answered: 0, talkMs: 0, onCallMs: 300 * S, wrapUpStateMs: 10 * S, ringingMs: 5 * S, availableMs: 585 * S, pausedMs: 900 * S, loggedInMs: 1800 * S });
    expect(find(rollUp(), '10:15:00', 'client:acme')).toBeUndefined();
  });

  it('given clients then each client row has only its calls', () => {
    const rows = rollUp();
    expect(find(rows, '10:00:00', 'client:acme')).toMatchObject({ arrived: 7, offered: 7, answered: 5, closed: 0, voicemails: 0, loggedInMs: 0 });
    expect(find(rows, '10:00:00', 'client:zen')).toMatchObject({ arrived: 1, offered: 0, closed: 1, voicemails: 1 });
  });

  it('given receptionists then offers, answers, misses and abandons while ringing are theirs', () => {
    const rows = rollUp();
    expect(find(rows, '10:00:00', 'receptionist:rx1')).toMatchObject({
      offered: 3, answered: 3, answeredWithinThreshold: 2, answeredWaitMs: 50 * S, talkMs: 480 * S, wrapUpMs: 15 * S, transfers: 1,
      availableMs: 693 * S, ringingMs: 22 * S, onCallMs: 180 * S, wrapUpStateMs: 5 * S, loggedInMs: 900 * S,
    });
    expect(find(rows, '10:00:00', 'receptionist:rx2')).toMatchObject({
      offered: 3, ringNoAnswer: 1, abandoned: 1, abandonedDuringRing: 1, shortAbandoned: 0, answered: 1, answeredWithinThreshold: 1, talkMs: 120 * S, wrapUpMs: 5 * S,
    });
    expect(find(rows, '10:00:00', 'receptionist:rx3')).toMatchObject({ offered: 1, answered: 1, answeredWithinThreshold: 0, talkMs: 31 * S, loggedInMs: 0 });
    expect(deriveFigures(find(rows, '10:00:00', 'receptionist:rx1')!).serviceLevel).toBe(2 / 3);
  });

  it('given rx2 logged out at 10:30 and rx1 still available then 10:30-10:45 counts rx1 only, up to the end', () => {
    expect(find(rollUp(), '10:30:00', 'company')).toMatchObject({ loggedInMs: 900 * S, availableMs: 900 * S });
    expect(find(rollUp(), '10:30:00', 'receptionist:rx2')).toBeUndefined();
  });

  it('given the same input twice then the same rows, in the same order', () => {
    expect(rollUp()).toEqual(rollUp());
  });

  it('given a range of rows then sums add and the longest wait is the maximum', () => {
    const rows = rollUp().filter((r) => r.scope === 'company');
    const total = sumFigures(rows, T('10:00:00'), 'company', 20);
    expect(total).toMatchObject({ arrived: 8, onCallMs: 600 * S, longestWaitMs: 25 * S });
  });
});

describe('windows', () => {
  it('given a range then it is split into interval-aligned windows', () => {
    expect(alignedWindows(T('10:05:00'), T('10:50:00'), 2)).toEqual([{ from: T('10:00:00'), to: T('10:30:00') }, { from: T('10:30:00'), to: T('11:00:00') }]);
  });

  it('given scattered intervals then consecutive ones are grouped', () => {
    expect(windowsOfIntervals([T('10:15:00'), T('10:00:00'), T('11:00:00'), T('10:00:00')], 96)).toEqual([
      { from: T('10:00:00'), to: T('10:30:00') },
      { from: T('11:00:00'), to: T('11:15:00') },
    ]);
  });
});
