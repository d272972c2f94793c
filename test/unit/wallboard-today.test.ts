import { describe, expect, it } from 'vitest';
import { callFactsFromTimeline, rollUpIntervals, sumFigures, type AnalyticsTimelineEntry, type CallFacts } from '../../src/analytics';
import { dayFigures, localDayOf, wallboardToday } from '../../src/analytics/today';
import { WallboardFigures } from '../../src/analytics/wallboard';
import { loadConfig } from '../../src/config';
import type { ArrivedCall, CallStats } from '../../src/ports/call-stats';
import { T, timelines } from '../analytics/fixture';

const S = 1000;
const OPTIONS = { serviceLevelSeconds: 20, shortAbandonSeconds: 5 };
const iso = (ms: number) => new Date(ms).toISOString();
const answered = (waitMs: number): ArrivedCall => ({ answeredAt: 1, waitMs, outcome: 'completed' });
const abandoned = (waitMs: number): ArrivedCall => ({ answeredAt: null, waitMs, outcome: 'abandoned' });

describe('the company day in its time zone', () => {
  it('given no COMPANY_TIME_ZONE then UTC; a known zone is kept; an unknown one stops the start', () => {
    expect(loadConfig({}).COMPANY_TIME_ZONE).toBe('UTC');
    expect(loadConfig({ COMPANY_TIME_ZONE: 'Europe/London' }).COMPANY_TIME_ZONE).toBe('Europe/London');
    expect(() => loadConfig({ COMPANY_TIME_ZONE: 'Mars/Olympus_Mons' })).toThrow(/COMPANY_TIME_ZONE/);
  });

  it('given UTC then the day is midnight to midnight UTC', () => {
    const d = localDayOf(Date.parse('2026-11-23T12:00:00Z'), 'UTC');
    expect({ day: d.day, from: iso(d.from), to: iso(d.to) }).toEqual({ day: '2026-11-23', from: '2026-11-23T00:00:00.000Z', to: '2026-11-24T00:00:00.000Z' });
  });

  it('given New York at 02:30 UTC then it is still yesterday there, 05:00 to 05:00 UTC', () => {
    const d = localDayOf(Date.parse('2026-11-24T02:30:00Z'), 'America/New_York');
    expect({ day: d.day, from: iso(d.from), to: iso(d.to) }).toEqual({ day: '2026-11-23', from: '2026-11-23T05:00:00.000Z', to: '2026-11-24T05:00:00.000Z' });
  });

  it('given half-hour and +14 h zones then their midnights are found', () => {
    expect(iso(localDayOf(Date.parse('2026-11-23T12:00:00Z'), 'Asia/Kolkata').from)).toBe('2026-11-22T18:30:00.000Z');
    const kiritimati = localDayOf(Date.parse('2026-11-23T12:00:00Z'), 'Pacific/Kiritimati');
    expect([kiritimati.day, iso(kiritimati.from)]).toEqual(['2026-11-24', '2026-11-23T10:00:00.000Z']);
  });

  it('given the DST changes then the day is 23 or 25 hours long', () => {
    const spring = localDayOf(Date.parse('2026-03-08T12:00:00Z'), 'America/New_York');
    expect([iso(spring.from), (spring.to - spring.from) / 3_600_000]).toEqual(['2026-03-08T05:00:00.000Z', 23]);
    const autumn = localDayOf(Date.parse('2026-11-01T12:00:00Z'), 'America/New_York');
    expect([iso(autumn.from), (autumn.to - autumn.from) / 3_600_000]).toEqual(['2026-11-01T04:00:00.000Z', 25]);
  });

  it('given a DST change that skips local midnight (Santiago) then the day starts at 01:00 local', () => {
    const d = localDayOf(Date.parse('2026-09-06T12:00:00Z'), 'America/Santiago');
    expect({ day: d.day, from: iso(d.from), to: iso(d.to) }).toEqual({ day: '2026-09-06', from: '2026-09-06T04:00:00.000Z', to: '2026-09-07T03:00:00.000Z' });
  });

  it('given the very first and last instants of a day then both belong to it', () => {
    const d = localDayOf(Date.parse('2026-11-23T12:00:00Z'), 'Europe/Paris');
    expect(localDayOf(d.from, 'Europe/Paris').day).toBe('2026-11-23');
    expect(localDayOf(d.to - 1, 'Europe/Paris').day).toBe('2026-11-23');
    expect(localDayOf(d.to, 'Europe/Paris').day).toBe('2026-11-24');
  });
});

describe("the day's figures", () => {
  it('given a known mix then counts, ASA, service level and the longest answered wait are exact', () => {
    const f = dayFigures(
      [
        answered(4 * S), // within
        answered(20 * S), // within: the threshold is inclusive
        answered(20 * S + 1), // not within
        answered(60 * S), // not within, the longest
        abandoned(30 * S),
        abandoned(4999), // short: under 5 s
        abandoned(5 * S), // not short
        { answeredAt: null, waitMs: null, outcome: null }, // still waiting
        { answeredAt: null, waitMs: 120 * S, outcome: 'voicemail' }, // overflowed
        { answeredAt: 5, waitMs: null, outcome: null }, // answered, still on the call: wait unknown counts 0
      ],
      OPTIONS,
    );
    expect(f).toEqual({
      arrived: 10,
      answered: 5,
      abandoned: 3,
      shortAbandoned: 1,
      answeredWithinThreshold: 3,
      asaMs: (4 * S + 20 * S + 20 * S + 1 + 60 * S + 0) / 5,
      serviceLevelPct: (100 * 3) / (5 + 3 - 1),
      longestAnsweredWaitMs: 60 * S,
    });
  });

  it('given no calls then the ratios are null, not zero', () => {
    expect(dayFigures([], OPTIONS)).toEqual({
      arrived: 0, answered: 0, abandoned: 0, shortAbandoned: 0, answeredWithinThreshold: 0, asaMs: null, serviceLevelPct: null, longestAnsweredWaitMs: null,
    });
  });

  it('given only short abandons then the service level is null (nothing counts)', () => {
    expect(dayFigures([abandoned(1 * S), abandoned(2 * S)], OPTIONS).serviceLevelPct).toBeNull();
  });

  it('given the analytics fixture then answered, abandoned, short abandoned, within threshold and ASA agree with the roll-up', () => {
    const re: AnalyticsTimelineEntry[] = [
      // Answered after 8 s, transferred, back and answered again at 90 s: the first answer counts.
      { kind: 'arrived', callId: 'r1', at: T('10:20:00'), clientId: 'acme', did: '1', caller: { name: 'A', number: '1' }, knownNumber: true },
      { kind: 'answered', callId: 'r1', at: T('10:20:08'), receptionistId: 'rx1', waitMs: 8 * S },
      { kind: 'answered', callId: 'r1', at: T('10:21:30'), receptionistId: 'rx2', waitMs: 90 * S },
      { kind: 'ended', callId: 'r1', at: T('10:23:00'), outcome: 'completed', waitMs: 90 * S, endedBy: 'caller' },
    ];
    const facts = [...Object.values(timelines), re].map((t) => callFactsFromTimeline(t)).filter((f): f is CallFacts => f !== null);
    const from = T('10:00:00');
    const to = T('11:00:00');
    const rows = rollUpIntervals({ calls: facts, wrapUpMsByCall: new Map(), presence: [], from, to }, OPTIONS).filter((r) => r.scope === 'company');
    const total = sumFigures(rows, from, 'company', 20);
    const f = dayFigures(facts.map((c) => ({ answeredAt: c.answeredAt, waitMs: c.waitMs, outcome: c.outcome })), OPTIONS);
    expect(f).toMatchObject({
      arrived: total.arrived,
      answered: total.answered,
      abandoned: total.abandoned,
      shortAbandoned: total.shortAbandoned,
      answeredWithinThreshold: total.answeredWithinThreshold,
      asaMs: total.answeredWaitMs / total.answered,
    });
    expect(total.answered).toBeGreaterThan(3);
    expect(total.abandoned).toBeGreaterThan(1);
    expect(total.shortAbandoned).toBeGreaterThan(0);
  });

  it('given a day then the answer names the day, the zone, the threshold and when it was read', () => {
    const day = localDayOf(Date.parse('2026-11-23T12:00:00Z'), 'Europe/London');
    expect(wallboardToday({ day, timeZone: 'Europe/London', calls: [answered(3 * S)], options: OPTIONS, asOf: Date.parse('2026-11-23T12:00:00Z') })).toMatchObject({
      day: '2026-11-23', timeZone: 'Europe/London', serviceLevelSeconds: 20, shortAbandonSeconds: 5, answered: 1, asOf: '2026-11-23T12:00:00.000Z',
    });
  });
});

describe('the wallboard figures cache', () => {
  const setup = (zone = 'UTC') => {
    let now = Date.parse('2026-11-23T12:00:00Z');
    const reads: Array<{ from: number; to: number }> = [];
    let fail = false;
    const stats: CallStats = {
      async callsArrivedIn(range) {
        reads.push(range);
        await new Promise((r) => setTimeout(r, 5));
        if (fail) throw new Error('database down');
        return [answered(3 * S)];
      },
    };
    const board = new WallboardFigures(stats, { now: () => now }, { timeZone: zone, options: OPTIONS });
    return { board, reads, tick: (ms: number) => (now += ms), failNext: (f: boolean) => (fail = f) };
  };

  it('given 50 wallboards asking at once then one read answers them all', async () => {
    const { board, reads } = setup();
    const answers = await Promise.all(Array.from({ length: 50 }, () => board.today()));
    expect(reads).toHaveLength(1);
    expect(new Set(answers.map((a) => a.asOf)).size).toBe(1);
  });

  it('given a reading younger than 2 s then it is served again; older, it is read again', async () => {
    const { board, reads, tick } = setup();
    await board.today();
    tick(1999);
    await board.today();
    expect(reads).toHaveLength(1);
    tick(1);
    const later = await board.today();
    expect(reads).toHaveLength(2);
    expect(later.asOf).toBe('2026-11-23T12:00:02.000Z');
  });

  it('given midnight passes within the 2 s then the new day is read at once', async () => {
    const { board, reads, tick } = setup('UTC');
    tick(Date.parse('2026-11-23T23:59:59.500Z') - Date.parse('2026-11-23T12:00:00Z'));
    expect((await board.today()).day).toBe('2026-11-23');
    tick(600);
    expect((await board.today()).day).toBe('2026-11-24');
    expect(reads.map((r) => iso(r.from))).toEqual(['2026-11-23T00:00:00.000Z', '2026-11-24T00:00:00.000Z']);
  });

  it('given a failed read then it is not kept: the next request reads again', async () => {
    const { board, reads, failNext } = setup();
    failNext(true);
    await expect(board.today()).rejects.toThrow('database down');
    failNext(false);
    expect((await board.today()).answered).toBe(1);
    expect(reads).toHaveLength(2);
  });
});
