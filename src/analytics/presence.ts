/**
 * Receptionist presence over time: the rows of `receptionist_events`, and the time spent in
 * each state. The states are the domain's presence kinds.
 */
import type { PresenceChange, PresenceState } from '../ports/analytics';

export type { PresenceChange, PresenceState };

export const PRESENCE_STATES: readonly PresenceState[] = ['logged-out', 'available', 'ringing', 'on-call', 'wrap-up', 'paused'];

export interface PresenceSpan {
  receptionistId: string;
  state: PresenceState;
  reason: string | null;
  callId: string | null;
  from: number;
  /** Exclusive. */
  to: number;
}

/**
 * Turns one receptionist's changes (in order) into spans; each lasts until the next change, and
 * the last one until `openUntil` (the roll-up's "now"). A change repeating the state before it
 * (same state, reason and call) continues the span.
 */
export function presenceSpans(changes: readonly PresenceChange[], openUntil: number): PresenceSpan[] {
  const byReceptionist = new Map<string, PresenceChange[]>();
  for (const c of changes) {
    const list = byReceptionist.get(c.receptionistId);
    if (list) list.push(c);
    else byReceptionist.set(c.receptionistId, [c]);
  }
  const spans: PresenceSpan[] = [];
  for (const list of byReceptionist.values()) {
    let current: PresenceSpan | null = null;
    for (const c of list) {
      if (current && current.state === c.state && current.reason === c.reason && current.callId === c.callId) continue;
      if (current) {
        current.to = Math.max(current.from, c.at);
        spans.push(current);
      }
      current = { receptionistId: c.receptionistId, state: c.state, reason: c.reason, callId: c.callId, from: c.at, to: c.at };
    }
    if (current) {
      current.to = Math.max(current.from, openUntil);
      spans.push(current);
    }
  }
  return spans;
}

export type StateTimes = Record<PresenceState, number>;

export function emptyStateTimes(): StateTimes {
  return { 'logged-out': 0, available: 0, ringing: 0, 'on-call': 0, 'wrap-up': 0, paused: 0 };
}

/** Time (ms) in each state that falls inside [from, to): spans are clipped to the window. */
export function timeInStates(spans: readonly PresenceSpan[], from: number, to: number): StateTimes {
  const times = emptyStateTimes();
  for (const s of spans) {
    const ms = Math.min(s.to, to) - Math.max(s.from, from);
    if (ms > 0) times[s.state] += ms;
  }
  return times;
}

/** Wrap-up time per call: the whole of each wrap-up span that names the call. */
export function wrapUpByCall(spans: readonly PresenceSpan[]): Map<string, number> {
  const byCall = new Map<string, number>();
  for (const s of spans) {
    if (s.state !== 'wrap-up' || !s.callId) continue;
    byCall.set(s.callId, (byCall.get(s.callId) ?? 0) + (s.to - s.from));
  }
  return byCall;
}

/** Logged in = any state but logged-out. */
export function loggedInMs(t: StateTimes): number {
  return t.available + t.ringing + t['on-call'] + t['wrap-up'] + t.paused;
}

/** Busy = ringing (reserved for a call), on a call, or in wrap-up. */
export function busyMs(t: StateTimes): number {
  return t.ringing + t['on-call'] + t['wrap-up'];
}
