import { describe, expect, it } from 'vitest';
import { billClient, billCsv, callFactsFromTimeline, monthPeriod, presenceSpans, roundUpSeconds, wrapUpByCall, type BillingRule, type CallFacts } from '../../src/analytics';
import { presence, T, timelines } from '../analytics/fixture';

const calls = Object.values(timelines).map((t) => callFactsFromTimeline(t)!) as CallFacts[];
const wrapUpMsByCall = wrapUpByCall(presenceSpans(presence, T('11:00:00')));
const november = monthPeriod('2026-11')!;
const rule = (r: Partial<BillingRule> = {}): BillingRule => ({ roundingSeconds: 30, minimumSeconds: 0, includeHold: true, includeWrapUp: false, ...r });
const bill = (r: Partial<BillingRule> = {}, dispositions = new Map<string, 'spam' | 'wrong-number'>()) =>
  billClient({ clientId: 'acme', ...november, calls, wrapUpMsByCall, dispositions, rule: rule(r) });

describe('billing rounding', () => {
  it('rounds each call up to the increment; nothing stays nothing', () => {
    expect([roundUpSeconds(0, 30), roundUpSeconds(1, 30), roundUpSeconds(30_000, 30), roundUpSeconds(30_001, 30), roundUpSeconds(61_500, 1)]).toEqual([0, 30, 30, 60, 62]);
  });

  it('billing months are UTC calendar months', () => {
    expect(monthPeriod('2026-12')).toEqual({ from: Date.UTC(2026, 11, 1), to: Date.UTC(2027, 0, 1) });
    expect(monthPeriod('2026-13')).toBeNull();
  });
});

describe('a client bill', () => {
  it('given 30 s rounding per call then answered talk is billed, abandons are not, and talk after a transfer is not', () => {
    const b = bill();
    // c1 300 s -> 300, c4 120 -> 120, c5 31 -> 60, c6 60 (not its 120 s after the transfer) -> 60, c8 120 -> 120
    expect(b.billableSeconds).toBe(660);
    expect(b.billableMinutes).toBe(11);
    expect(b.callsBilled).toBe(5);
    expect(b.callsExcluded).toBe(2); // c2, c3 not answered
    expect(b.calls.find((c) => c.callId === 'c6')).toMatchObject({ talkMs: 60_000, afterTransferMs: 120_000, billableSeconds: 60 });
    expect(b.calls.find((c) => c.callId === 'c3')).toMatchObject({ excluded: 'not-answered', billableSeconds: 0 });
  });

  it('given wrap-up counted then each call adds its wrap-up before rounding', () => {
    // c1 310 -> 330, c4 125 -> 150, c5 31 -> 60, c6 60 -> 60, c8 125 -> 150
    expect(bill({ includeWrapUp: true }).billableSeconds).toBe(750);
  });

  it('given calls marked spam or wrong number then they are listed but not billed', () => {
    const b = bill({}, new Map([['c4', 'spam'], ['c8', 'wrong-number']]));
    expect(b.billableSeconds).toBe(420);
    expect(b.calls.find((c) => c.callId === 'c4')).toMatchObject({ excluded: 'spam', billableSeconds: 0 });
  });

  it('given a minimum per call then short calls cost the minimum', () => {
    expect(bill({ roundingSeconds: 1, minimumSeconds: 60 }).billableSeconds).toBe(300 + 120 + 60 + 60 + 120);
  });

  it('given another client or month then its calls are not on this bill', () => {
    expect(billClient({ clientId: 'zen', ...november, calls, wrapUpMsByCall, dispositions: new Map(), rule: rule() }).billableSeconds).toBe(0);
    expect(billClient({ clientId: 'acme', ...monthPeriod('2026-10')!, calls, wrapUpMsByCall, dispositions: new Map(), rule: rule() }).calls).toEqual([]);
  });

  it('given a bill then its CSV has one line per call with the reason for exclusions', () => {
    const csv = billCsv(bill({}, new Map([['c4', 'spam']])));
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('clientId,callId,arrivedAt,receptionistId,talkMs,holdMs,wrapUpMs,afterTransferMs,countedMs,billableSeconds,excluded');
    expect(lines[1]).toBe('acme,c2,2026-11-23T10:01:00.000Z,,0,0,0,0,0,0,not-answered');
    expect(lines).toContain('acme,c4,2026-11-23T10:03:00.000Z,rx2,120000,0,5000,0,120000,0,spam');
    expect(lines).toHaveLength(7 + 2);
  });
});
