import { describe, expect, it } from 'vitest';
import { callFactsFromTimeline } from '../../src/analytics';
import type { TimelineEntry } from '../../src/domain/messages';

const T0 = Date.UTC(2026, 10, 30, 10, 0, 0);
const s = (seconds: number) => T0 + seconds * 1000;
const start: TimelineEntry[] = [
  { kind: 'arrived', callId: 'c1', at: s(0), clientId: 'acme', did: '5035550100', caller: { name: 'Pat', number: '5035551234' }, knownNumber: true },
  { kind: 'offered', callId: 'c1', at: s(1), offerId: 'o1', receptionistId: 'rx1' },
  { kind: 'offer-ended', callId: 'c1', at: s(6), offerId: 'o1', receptionistId: 'rx1', outcome: 'answered' },
  { kind: 'answered', callId: 'c1', at: s(6), receptionistId: 'rx1', waitMs: 6000 },
];
const feature = (at: number, action: 'hold' | 'resume', result: 'done' | 'refused' = 'done'): TimelineEntry => ({
  kind: 'feature', callId: 'c1', at: s(at), receptionistId: 'rx1', trigger: 'phone', action, result, code: null,
});

/** The timeline kinds the feature codes write, as the analytics read them. */
describe('analytics of feature-code timelines', () => {
  it('given hold at 60 s and resume at 90 s by *0 then 30 s of hold is taken out of talk; a refused resume changes nothing', () => {
    const facts = callFactsFromTimeline([
      ...start,
      feature(60, 'hold'),
      feature(70, 'resume', 'refused'),
      feature(90, 'resume'),
      { kind: 'ended', callId: 'c1', at: s(126), outcome: 'completed', waitMs: 6000, endedBy: 'caller' },
    ])!;
    expect(facts.holdMs).toBe(30_000);
    expect(facts.talkMs).toBe(120_000 - 30_000);
  });

  it('given a blind transfer that is answered then one transfer, talk stops when the receptionist let go, and the rest is after-transfer time', () => {
    const facts = callFactsFromTimeline([
      ...start,
      { kind: 'transfer', callId: 'c1', at: s(46), receptionistId: 'rx1', trigger: 'phone', mode: 'blind', requested: 'contact:1', destination: '+15035557777', contactCode: '1', result: 'dialing', code: null },
      { kind: 'transfer-ended', callId: 'c1', at: s(50), destination: '+15035557777', outcome: 'answered', next: 'connected' },
      { kind: 'ended', callId: 'c1', at: s(110), outcome: 'completed', waitMs: 6000, endedBy: 'caller' },
    ])!;
    expect(facts.transfers).toBe(1);
    expect(facts.talkMs).toBe(40_000);
    expect(facts.afterTransferMs).toBe(64_000);
  });

  it('given a refused transfer and a caller answered again after park then no transfer and the first answer stands', () => {
    const facts = callFactsFromTimeline([
      ...start,
      { kind: 'transfer', callId: 'c1', at: s(20), receptionistId: 'rx1', trigger: 'api', mode: 'blind', requested: 'number:+449001', destination: null, contactCode: null, result: 'refused', code: 'destination-not-allowed' },
      { kind: 'answered', callId: 'c1', at: s(80), receptionistId: 'rx2', waitMs: 80_000 },
      { kind: 'ended', callId: 'c1', at: s(100), outcome: 'completed', waitMs: 6000, endedBy: 'caller' },
    ])!;
    expect(facts.transfers).toBe(0);
    expect(facts).toMatchObject({ answeredAt: s(6), receptionistId: 'rx1', waitMs: 6000 });
  });
});
