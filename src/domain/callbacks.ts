/**
 * Callbacks: a caller who keeps their place in line without staying on the phone, or a call
 * back scheduled through the API. Pure rules: ids, retry backoff, business-hours gating and
 * the number check. The queue itself (place, offers, the outbound leg) is in switchboard.ts.
 */
import { minutesOfDay, openingStateAt, type BusinessSchedule } from './business-hours';

export type CallbackId = string;

export type CallbackStatus = 'scheduled' | 'queued' | 'dialing' | 'completed' | 'failed' | 'cancelled';

/** How an outbound attempt ended. `interrupted`: Switchboard restarted while it was in progress. */
export type CallbackAttemptOutcome = 'answered' | 'busy' | 'no-answer' | 'unreachable' | 'failed' | 'cancelled' | 'interrupted';

/** Everything the queue needs to know about one callback. */
export interface CallbackTicket {
  id: CallbackId;
  clientId: string;
  /** Who to call: digits with an optional leading +. */
  number: string;
  name: string;
  note: string;
  /** The client's number the callee sees as caller ID (the number the caller dialled). */
  did: string;
  /** Attempts made so far (0 before the first). */
  attempts: number;
  /** The place in line: when the original caller first joined the queue (or when it was scheduled). */
  enqueuedAt: number;
  priorityTier: number;
  /** How long the original caller had waited when they asked (0 when scheduled through the API). */
  originalWaitMs: number;
  /** The call that asked for it, if any. */
  originalCallId: string | null;
  schedule: BusinessSchedule;
}

export interface CallbackPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Delay before attempt 2, 3, ...; the last value repeats. */
  retryDelaysMs: number[];
  /** How long the callee's phone rings before the attempt counts as no answer. */
  ringTimeoutSeconds: number;
}

export const DEFAULT_CALLBACK_POLICY: CallbackPolicy = { maxAttempts: 3, retryDelaysMs: [120_000, 300_000], ringTimeoutSeconds: 30 };

/** The queue's id for a callback entry (never a channel id). */
export function callbackCallId(id: CallbackId): string {
  return `callback-${id}`;
}

export const CALLBACK_CHANNEL_PREFIX = 'sb-cb-';

/**
 * The outbound leg's ARI channel id: one per (callback, attempt), so a repeated originate is
 * refused by Asterisk (409) instead of placing a second call.
 */
export function callbackChannelId(id: CallbackId, attempt: number): string {
  return `${CALLBACK_CHANNEL_PREFIX}${id}-${attempt}`;
}

export function parseCallbackChannelId(channelId: string): { callbackId: CallbackId; attempt: number } | null {
  if (!channelId.startsWith(CALLBACK_CHANNEL_PREFIX)) return null;
  const m = /^(.+)-([0-9]{1,3})$/.exec(channelId.slice(CALLBACK_CHANNEL_PREFIX.length));
  return m ? { callbackId: m[1], attempt: Number(m[2]) } : null;
}

export type RetryPlan = { kind: 'retry'; dueAt: number } | { kind: 'give-up' };

/** After attempt number `attemptsMade` failed at `now`: when to try again, or give up. */
export function planRetry(attemptsMade: number, now: number, policy: CallbackPolicy, schedule: BusinessSchedule): RetryPlan {
  if (attemptsMade >= policy.maxAttempts) return { kind: 'give-up' };
  const delays = policy.retryDelaysMs.length ? policy.retryDelaysMs : [0];
  const delay = delays[Math.min(attemptsMade - 1, delays.length - 1)] ?? 0;
  return { kind: 'retry', dueAt: nextOpenAt(schedule, now + Math.max(0, delay)) };
}

/**
 * The first instant at or after `fromMs` when the client is open. Jumps from one candidate
 * opening to the next (at most a few weeks ahead); a schedule that never opens answers
 * `fromMs` plus a day, so the callback is looked at again rather than lost.
 */
export function nextOpenAt(schedule: BusinessSchedule, fromMs: number): number {
  let t = fromMs;
  for (let i = 0; i < 60; i++) {
    const state = openingStateAt(schedule, t);
    if (state.open) return t;
    const local = state.local;
    // Minutes until the next opening minute today or on a later weekday (local wall clock).
    let wait = Infinity;
    if (state.reason !== 'closure') {
      for (const h of schedule.hours) {
        const opens = minutesOfDay(h.opens);
        let days = (h.weekday - local.weekday + 7) % 7;
        if (days === 0 && opens <= local.minuteOfDay) days = 7;
        wait = Math.min(wait, days * 1440 + opens - local.minuteOfDay);
      }
    }
    if (!Number.isFinite(wait)) wait = 1440 - local.minuteOfDay; // a closure: try the next local day
    // The start of that minute; a daylight-saving shift is caught by the next check.
    t = t - (t % 60_000) + wait * 60_000;
  }
  return fromMs + 86_400_000;
}

export interface NumberRules {
  /** A RegExp source the whole number must match, e.g. `^\+?[0-9]{7,15}$`. */
  pattern: string;
}

export type NumberCheck = { ok: true; number: string } | { ok: false; code: 'invalid-number' | 'number-not-allowed' };

/** A callback number: digits with an optional leading +, then the operator's allow pattern. */
export function checkCallbackNumber(raw: string, rules: NumberRules): NumberCheck {
  const trimmed = raw.trim();
  if (!/^\+?[0-9]{1,20}$/.test(trimmed)) return { ok: false, code: 'invalid-number' };
  if (!new RegExp(rules.pattern).test(trimmed)) return { ok: false, code: 'number-not-allowed' };
  return { ok: true, number: trimmed };
}
