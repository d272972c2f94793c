import type { CallFacts } from './call-facts';

/** Marks that take a call off the bill. */
export type CallDisposition = 'spam' | 'wrong-number';

export const CALL_DISPOSITIONS: readonly CallDisposition[] = ['spam', 'wrong-number'];

export interface BillingRule {
  /** Each call's billable time is rounded up to a multiple of this (seconds; 1 = exact seconds). */
  roundingSeconds: number;
  /** A billed call costs at least this many seconds (after rounding). */
  minimumSeconds: number;
  /** Count time the caller spent on hold by the receptionist. */
  includeHold: boolean;
  /** Count the receptionist's wrap-up after the call. */
  includeWrapUp: boolean;
}

export const DEFAULT_BILLING_RULE: BillingRule = { roundingSeconds: 30, minimumSeconds: 0, includeHold: true, includeWrapUp: false };

export interface BilledCall {
  callId: string;
  arrivedAt: number;
  receptionistId: string | null;
  talkMs: number;
  holdMs: number;
  wrapUpMs: number;
  /** Talk after a completed transfer: shown, never billed. */
  afterTransferMs: number;
  /** What the rule counts, before rounding. */
  countedMs: number;
  billableSeconds: number;
  /** Why it is not billed, if it is not. */
  excluded: CallDisposition | 'not-answered' | 'in-progress' | null;
}

export interface ClientBill {
  clientId: string;
  /** Billing period: [from, to) in ms. */
  from: number;
  to: number;
  rule: BillingRule;
  callsBilled: number;
  callsExcluded: number;
  billableSeconds: number;
  /** billableSeconds / 60 (may be fractional when the rounding is not a whole minute). */
  billableMinutes: number;
  calls: BilledCall[];
}

/** Rounds up to the increment; 0 stays 0. */
export function roundUpSeconds(ms: number, incrementSeconds: number): number {
  if (ms <= 0) return 0;
  const step = Math.max(1, incrementSeconds) * 1000;
  return (Math.ceil(ms / step) * step) / 1000;
}

/** Billing months are UTC calendar months: `2026-11` -> [2026-11-01T00:00Z, 2026-12-01T00:00Z). */
export function monthPeriod(period: string): { from: number; to: number } | null {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]) - 1;
  return { from: Date.UTC(year, month, 1), to: Date.UTC(year, month + 1, 1) };
}

/**
 * Billable receptionist time of one client's calls that arrived in [from, to). Only answered,
 * finished calls are billed; talk after a completed transfer never is; calls marked spam or
 * wrong number are listed with billableSeconds 0.
 */
export function billClient(opts: {
  clientId: string;
  from: number;
  to: number;
  calls: Iterable<CallFacts>;
  wrapUpMsByCall: ReadonlyMap<string, number>;
  dispositions: ReadonlyMap<string, CallDisposition>;
  rule: BillingRule;
}): ClientBill {
  const { rule } = opts;
  const calls: BilledCall[] = [];
  for (const c of opts.calls) {
    if (c.clientId !== opts.clientId || c.arrivedAt < opts.from || c.arrivedAt >= opts.to) continue;
    const wrapUpMs = c.answeredAt !== null ? (opts.wrapUpMsByCall.get(c.callId) ?? 0) : 0;
    const countedMs = c.talkMs + (rule.includeHold ? c.holdMs : 0) + (rule.includeWrapUp ? wrapUpMs : 0);
    const excluded: BilledCall['excluded'] =
      opts.dispositions.get(c.callId) ?? (c.answeredAt === null ? 'not-answered' : c.endedAt === null ? 'in-progress' : null);
    const billableSeconds = excluded ? 0 : Math.max(rule.minimumSeconds, roundUpSeconds(countedMs, rule.roundingSeconds));
    calls.push({
      callId: c.callId,
      arrivedAt: c.arrivedAt,
      receptionistId: c.receptionistId,
      talkMs: c.talkMs,
      holdMs: c.holdMs,
      wrapUpMs,
      afterTransferMs: c.afterTransferMs,
      countedMs,
      billableSeconds,
      excluded,
    });
  }
  calls.sort((a, b) => a.arrivedAt - b.arrivedAt || (a.callId < b.callId ? -1 : 1));
  const billed = calls.filter((c) => c.excluded === null);
  const billableSeconds = billed.reduce((sum, c) => sum + c.billableSeconds, 0);
  return {
    clientId: opts.clientId,
    from: opts.from,
    to: opts.to,
    rule,
    callsBilled: billed.length,
    callsExcluded: calls.length - billed.length,
    billableSeconds,
    billableMinutes: billableSeconds / 60,
    calls,
  };
}
