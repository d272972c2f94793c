import { describe, expect, it } from 'vitest';
import { formatQueueLogLine, queueLogForCall, QueueLogMapper, type AnalyticsTimelineEntry } from '../../src/analytics';
import { T, timelines } from '../analytics/fixture';

const lines = (timeline: AnalyticsTimelineEntry[]) => queueLogForCall(timeline).map(formatQueueLogLine);

describe('queue_log lines from a timeline', () => {
  it('given a call missed by rx2 and answered by rx1 then the lines are exactly app_queue\'s', () => {
    expect(lines(timelines.c8)).toEqual([
      '1795428600|c8|acme|NONE|ENTERQUEUE||5035551234|1',
      '1795428616|c8|acme|Agent/rx2|RINGNOANSWER|15000',
      '1795428625|c8|acme|Agent/rx1|CONNECT|25|o8b|9',
      '1795428745|c8|acme|Agent/rx1|COMPLETECALLER|25|120|1',
    ]);
  });

  it('given the receptionist hangs up then COMPLETEAGENT; an abandon during ring is RINGCANCELED then ABANDON', () => {
    expect(lines(timelines.c4).at(-1)).toBe(`${T('10:05:20') / 1000}|c4|acme|Agent/rx2|COMPLETEAGENT|20|120|1`);
    expect(lines(timelines.c2).slice(1)).toEqual([`${T('10:01:09') / 1000}|c2|acme|Agent/rx2|RINGCANCELED|7000`, `${T('10:01:09') / 1000}|c2|acme|NONE|ABANDON|1|1|9`]);
  });

  it('given a completed transfer then TRANSFER with extension, context, hold, talk and position, and no COMPLETE line', () => {
    expect(lines(timelines.c6)).toEqual([
      '1795428360|c6|acme|NONE|ENTERQUEUE||5035551234|1',
      '1795428370|c6|acme|Agent/rx1|CONNECT|10|o6|5',
      '1795428430|c6|acme|Agent/rx1|TRANSFER|2001|acme-staff|10|60|1',
    ]);
  });

  it('given overflow then EXITWITHTIMEOUT for max wait and EXITEMPTY when nobody is logged in', () => {
    expect(lines(timelines.c7).slice(1)).toEqual([`${T('10:08:00') / 1000}|c7|zen|NONE|EXITEMPTY|1|1|0`]);
    const timeout = lines([
      timelines.c3[0],
      { kind: 'overflowed', callId: 'c3', at: T('10:04:00'), treatment: 'voicemail', reason: 'max-wait', waitMs: 120_000 },
      { kind: 'ended', callId: 'c3', at: T('10:05:00'), outcome: 'voicemail', waitMs: 120_000, endedBy: 'system' },
    ]);
    expect(timeout.slice(1)).toEqual([`${T('10:04:00') / 1000}|c3|acme|NONE|EXITWITHTIMEOUT|1|1|120`]);
  });

  it('given three callers of one client then positions count who is ahead, now and at entry', () => {
    const m = new QueueLogMapper({ memberQueues: () => [] });
    const caller = { name: '', number: '1' };
    const arrive = (callId: string, at: string): AnalyticsTimelineEntry => ({ kind: 'arrived', callId, at: T(at), clientId: 'acme', did: '', caller, knownNumber: true });
    const out = [
      ...m.timeline(arrive('a', '10:00:00')),
      ...m.timeline(arrive('b', '10:00:01')),
      ...m.timeline({ kind: 'arrived', callId: 'z', at: T('10:00:01'), clientId: 'zen', did: '', caller, knownNumber: true }),
      ...m.timeline(arrive('c', '10:00:02')),
      ...m.timeline({ kind: 'ended', callId: 'b', at: T('10:00:30'), outcome: 'abandoned', waitMs: 29_000, endedBy: 'caller' }),
      ...m.timeline({ kind: 'answered', callId: 'a', at: T('10:00:40'), receptionistId: 'rx1', waitMs: 40_000 }),
      ...m.timeline({ kind: 'ended', callId: 'c', at: T('10:01:00'), outcome: 'abandoned', waitMs: 58_000, endedBy: 'caller' }),
    ].map((l) => `${l.callId} ${l.event} ${l.data.join('|')}`);
    expect(out).toEqual([
      'a ENTERQUEUE |1|1',
      'b ENTERQUEUE |1|2',
      'z ENTERQUEUE |1|1',
      'c ENTERQUEUE |1|3',
      'b ABANDON 2|2|29',
      'a CONNECT 40||0',
      'c ABANDON 1|3|58',
    ]);
  });

  it('given presence changes then ADDMEMBER, PAUSE with reason, UNPAUSE and REMOVEMEMBER once per queue', () => {
    const m = new QueueLogMapper({ memberQueues: () => ['acme', 'zen'] });
    const at = T('09:00:00');
    const change = (state: 'available' | 'paused' | 'on-call' | 'logged-out', reason: string | null = null) =>
      m.presenceChanged({ receptionistId: 'rx1', at, state, reason, callId: null }).map(formatQueueLogLine);
    const e = at / 1000;
    expect(change('available')).toEqual([`${e}|MANAGER|acme|Agent/rx1|ADDMEMBER|`, `${e}|MANAGER|zen|Agent/rx1|ADDMEMBER|`]);
    expect(change('on-call')).toEqual([]);
    expect(change('paused', 'lunch')).toEqual([`${e}|NONE|acme|Agent/rx1|PAUSE|lunch`, `${e}|NONE|zen|Agent/rx1|PAUSE|lunch`]);
    expect(change('available')).toEqual([`${e}|NONE|acme|Agent/rx1|UNPAUSE|`, `${e}|NONE|zen|Agent/rx1|UNPAUSE|`]);
    expect(change('logged-out')).toEqual([`${e}|MANAGER|acme|Agent/rx1|REMOVEMEMBER|`, `${e}|MANAGER|zen|Agent/rx1|REMOVEMEMBER|`]);
  });

  it('given a pipe or newline in a field then it cannot break the line layout', () => {
    expect(formatQueueLogLine({ at: 1000, callId: 'c', queue: 'q', agent: 'Agent/x', event: 'PAUSE', data: ['a|b\nc'] })).toBe('1|c|q|Agent/x|PAUSE|a b c');
  });
});
