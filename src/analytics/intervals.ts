import { abandonedDuringRingOf, isAbandoned, isMissedOffer, type CallFacts } from './call-facts';
import { busyMs, loggedInMs, timeInStates, type PresenceSpan } from './presence';

export const INTERVAL_MS = 15 * 60 * 1000;

/** `company`, `client:<clientId>` or `receptionist:<receptionistId>`. */
export type ScopeKey = 'company' | `client:${string}` | `receptionist:${string}`;

export function parseScope(text: string): ScopeKey | null {
  if (text === 'company') return 'company';
  const m = /^(client|receptionist):([A-Za-z0-9_-]{1,64})$/.exec(text);
  return m ? (`${m[1]}:${m[2]}` as ScopeKey) : null;
}

/** The start of the 15-minute interval holding `ms` (aligned on the epoch, so on UTC quarter hours). */
export function intervalStartOf(ms: number): number {
  return Math.floor(ms / INTERVAL_MS) * INTERVAL_MS;
}

export interface RollUpOptions {
  /** Service-level threshold T: answered within T seconds (inclusive). Default 20. */
  serviceLevelSeconds: number;
  /** An abandon under this many seconds of waiting is a short abandon. Default 5. */
  shortAbandonSeconds: number;
}

export const DEFAULT_ROLL_UP_OPTIONS: RollUpOptions = { serviceLevelSeconds: 20, shortAbandonSeconds: 5 };

/**
 * The additive figures of one interval and scope: counts and sums (plus one maximum), so any
 * range can be summed from them. Ratios are derived on read (`deriveFigures`). Durations in ms.
 */
export interface IntervalFigures {
  intervalStart: number;
  scope: ScopeKey;
  serviceLevelSeconds: number;
  /** Every call that arrived (company and client scopes). */
  arrived: number;
  /** Calls that entered the queue; for a receptionist, offers rung to their phone. */
  offered: number;
  answered: number;
  answeredWithinThreshold: number;
  abandoned: number;
  shortAbandoned: number;
  /** Abandoned while a receptionist's phone rang (included in `abandoned`). */
  abandonedDuringRing: number;
  /** Sent to voicemail or an announcement after entering the queue. */
  overflowed: number;
  /** Arrived while nobody was logged in: never entered the queue (not in `offered`). */
  closed: number;
  /** Offers a receptionist's phone did not take (busy, no answer, unreachable, failed). */
  ringNoAnswer: number;
  /** Sum of waits of answered calls (ASA = this / answered). */
  answeredWaitMs: number;
  longestWaitMs: number;
  talkMs: number;
  holdMs: number;
  wrapUpMs: number;
  transfers: number;
  messages: number;
  callbacks: number;
  voicemails: number;
  /** Receptionist state time inside the interval (clock time, split across intervals). */
  loggedInMs: number;
  availableMs: number;
  ringingMs: number;
  onCallMs: number;
  wrapUpStateMs: number;
  pausedMs: number;
}

export type AdditiveField = Exclude<keyof IntervalFigures, 'intervalStart' | 'scope' | 'serviceLevelSeconds' | 'longestWaitMs'>;

export const FIGURE_FIELDS: readonly (keyof IntervalFigures)[] = [
  'intervalStart', 'scope', 'serviceLevelSeconds', 'arrived', 'offered', 'answered', 'answeredWithinThreshold', 'abandoned',
  'shortAbandoned', 'abandonedDuringRing', 'overflowed', 'closed', 'ringNoAnswer', 'answeredWaitMs', 'longestWaitMs', 'talkMs',
  'holdMs', 'wrapUpMs', 'transfers', 'messages', 'callbacks', 'voicemails', 'loggedInMs', 'availableMs', 'ringingMs', 'onCallMs',
  'wrapUpStateMs', 'pausedMs',
];

export function emptyFigures(intervalStart: number, scope: ScopeKey, serviceLevelSeconds: number): IntervalFigures {
  return {
    intervalStart, scope, serviceLevelSeconds,
    arrived: 0, offered: 0, answered: 0, answeredWithinThreshold: 0, abandoned: 0, shortAbandoned: 0, abandonedDuringRing: 0,
    overflowed: 0, closed: 0, ringNoAnswer: 0, answeredWaitMs: 0, longestWaitMs: 0, talkMs: 0, holdMs: 0, wrapUpMs: 0,
    transfers: 0, messages: 0, callbacks: 0, voicemails: 0,
    loggedInMs: 0, availableMs: 0, ringingMs: 0, onCallMs: 0, wrapUpStateMs: 0, pausedMs: 0,
  };
}

export interface RollUpInput {
  /** Calls that arrived in [from, to); others are ignored. */
  calls: Iterable<CallFacts>;
  /** Wrap-up ms per call id (from `wrapUpByCall`). */
  wrapUpMsByCall: ReadonlyMap<string, number>;
  /** Presence spans covering [from, to) (from `presenceSpans`). */
  presence: readonly PresenceSpan[];
  /** Window, aligned to intervals. */
  from: number;
  to: number;
}

/**
 * The figures of every interval in [from, to), per company, client and receptionist. Call
 * figures go to the interval the call arrived in, whole; state times are split by the clock.
 * Rows with nothing in them are left out. Sorted by interval, then scope.
 */
export function rollUpIntervals(input: RollUpInput, options: RollUpOptions = DEFAULT_ROLL_UP_OPTIONS): IntervalFigures[] {
  const rows = new Map<string, IntervalFigures>();
  const row = (start: number, scope: ScopeKey): IntervalFigures => {
    const key = `${start}|${scope}`;
    let r = rows.get(key);
    if (!r) {
      r = emptyFigures(start, scope, options.serviceLevelSeconds);
      rows.set(key, r);
    }
    return r;
  };
  const thresholdMs = options.serviceLevelSeconds * 1000;
  const shortMs = options.shortAbandonSeconds * 1000;

  for (const c of input.calls) {
    if (c.arrivedAt < input.from || c.arrivedAt >= input.to) continue;
    const start = intervalStartOf(c.arrivedAt);
    const wrapUpMs = c.receptionistId ? (input.wrapUpMsByCall.get(c.callId) ?? 0) : 0;
    for (const r of [row(start, 'company'), row(start, `client:${c.clientId}`)]) {
      addQueueFigures(r, c, wrapUpMs, thresholdMs, shortMs);
    }
    addReceptionistFigures(c, wrapUpMs, (id) => row(start, `receptionist:${id}`), thresholdMs, shortMs);
  }

  // Each span goes to the intervals it overlaps, in input order (one pass, not one per interval).
  const intervalCount = Math.max(0, Math.ceil((input.to - input.from) / INTERVAL_MS));
  const buckets: Array<Map<string, PresenceSpan[]> | undefined> = new Array(intervalCount);
  for (const s of input.presence) {
    if (s.state === 'logged-out' || s.to <= input.from || s.from >= input.to || s.to <= s.from) continue;
    const first = Math.max(0, Math.floor((s.from - input.from) / INTERVAL_MS));
    const last = Math.min(intervalCount - 1, Math.ceil((s.to - input.from) / INTERVAL_MS) - 1);
    for (let i = first; i <= last; i++) {
      const byReceptionist = (buckets[i] ??= new Map());
      const list = byReceptionist.get(s.receptionistId);
      if (list) list.push(s);
      else byReceptionist.set(s.receptionistId, [s]);
    }
  }
  for (let i = 0; i < intervalCount; i++) {
    const start = input.from + i * INTERVAL_MS;
    const byReceptionist = buckets[i];
    if (!byReceptionist) continue;
    for (const [id, spans] of byReceptionist) {
      const t = timeInStates(spans, start, start + INTERVAL_MS);
      if (loggedInMs(t) === 0) continue;
      for (const r of [row(start, 'company'), row(start, `receptionist:${id}`)]) {
        r.loggedInMs += loggedInMs(t);
        r.availableMs += t.available;
        r.ringingMs += t.ringing;
        r.onCallMs += t['on-call'];
        r.wrapUpStateMs += t['wrap-up'];
        r.pausedMs += t.paused;
      }
    }
  }
  return [...rows.values()].sort((a, b) => a.intervalStart - b.intervalStart || (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0));
}

function addQueueFigures(r: IntervalFigures, c: CallFacts, wrapUpMs: number, thresholdMs: number, shortMs: number): void {
  r.arrived += 1;
  r.voicemails += c.voicemails;
  r.messages += c.messages;
  r.callbacks += c.callbacks;
  r.transfers += c.transfers;
  r.ringNoAnswer += c.offers.filter(isMissedOffer).length;
  if (!c.enteredQueue) {
    r.closed += 1;
    return;
  }
  r.offered += 1;
  const waitMs = c.waitMs ?? 0;
  r.longestWaitMs = Math.max(r.longestWaitMs, waitMs);
  if (c.answeredAt !== null) {
    r.answered += 1;
    if (waitMs <= thresholdMs) r.answeredWithinThreshold += 1;
    r.answeredWaitMs += waitMs;
    r.talkMs += c.talkMs;
    r.holdMs += c.holdMs;
    r.wrapUpMs += wrapUpMs;
  } else if (isAbandoned(c)) {
    r.abandoned += 1;
    if (waitMs < shortMs) r.shortAbandoned += 1;
    if (abandonedDuringRingOf(c) !== null) r.abandonedDuringRing += 1;
  } else if (c.overflowReason !== null) {
    r.overflowed += 1;
  }
}

/** Per receptionist: offers rung to them, calls they answered (with their talk), abandons while ringing them. */
function addReceptionistFigures(c: CallFacts, wrapUpMs: number, rowOf: (id: string) => IntervalFigures, thresholdMs: number, shortMs: number): void {
  for (const o of c.offers) {
    const r = rowOf(o.receptionistId);
    r.offered += 1;
    if (isMissedOffer(o)) r.ringNoAnswer += 1;
  }
  const ringing = abandonedDuringRingOf(c);
  if (ringing !== null) {
    const r = rowOf(ringing);
    r.abandoned += 1;
    r.abandonedDuringRing += 1;
    if ((c.waitMs ?? 0) < shortMs) r.shortAbandoned += 1;
  }
  if (c.answeredAt !== null && c.receptionistId) {
    const r = rowOf(c.receptionistId);
    const waitMs = c.waitMs ?? 0;
    r.answered += 1;
    if (waitMs <= thresholdMs) r.answeredWithinThreshold += 1;
    r.answeredWaitMs += waitMs;
    r.longestWaitMs = Math.max(r.longestWaitMs, waitMs);
    r.talkMs += c.talkMs;
    r.holdMs += c.holdMs;
    r.wrapUpMs += wrapUpMs;
    r.transfers += c.transfers;
    r.messages += c.messages;
    r.callbacks += c.callbacks;
  }
}

/** Sums rows of one scope (e.g. a day of intervals); the longest wait is the maximum. */
export function sumFigures(rows: readonly IntervalFigures[], intervalStart: number, scope: ScopeKey, serviceLevelSeconds: number): IntervalFigures {
  const total = emptyFigures(intervalStart, scope, serviceLevelSeconds);
  for (const r of rows) {
    for (const f of FIGURE_FIELDS) {
      if (f === 'intervalStart' || f === 'scope' || f === 'serviceLevelSeconds') continue;
      if (f === 'longestWaitMs') total.longestWaitMs = Math.max(total.longestWaitMs, r.longestWaitMs);
      else total[f as AdditiveField] += r[f as AdditiveField];
    }
  }
  return total;
}

export interface DerivedFigures {
  /** Average speed of answer (ms): answeredWaitMs / answered. */
  asaMs: number | null;
  /**
   * answeredWithinThreshold / (offered - shortAbandoned), 0..1; for a receptionist,
   * answeredWithinThreshold / answered (their `offered` counts rings, not callers).
   */
  serviceLevel: number | null;
  /** abandoned / offered. */
  abandonRate: number | null;
  /** talk + hold + wrap-up. */
  handleMs: number;
  /** Average handle time: handleMs / answered. */
  ahtMs: number | null;
  /** busy / (busy + available), busy = ringing + on-call + wrap-up. */
  occupancy: number | null;
  /** busy / logged in (paused counts in the denominator). */
  utilisation: number | null;
}

export function deriveFigures(r: IntervalFigures): DerivedFigures {
  const ratio = (n: number, d: number) => (d > 0 ? n / d : null);
  const handleMs = r.talkMs + r.holdMs + r.wrapUpMs;
  const busy = busyMs({ 'logged-out': 0, available: r.availableMs, ringing: r.ringingMs, 'on-call': r.onCallMs, 'wrap-up': r.wrapUpStateMs, paused: r.pausedMs });
  return {
    asaMs: ratio(r.answeredWaitMs, r.answered),
    serviceLevel: r.scope.startsWith('receptionist:') ? ratio(r.answeredWithinThreshold, r.answered) : ratio(r.answeredWithinThreshold, r.offered - r.shortAbandoned),
    abandonRate: ratio(r.abandoned, r.offered),
    handleMs,
    ahtMs: ratio(handleMs, r.answered),
    occupancy: ratio(busy, busy + r.availableMs),
    utilisation: ratio(busy, r.loggedInMs),
  };
}
