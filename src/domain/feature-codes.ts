/**
 * Receptionist feature codes, read from the digits the receptionist's phone sends during a call
 * (their leg is in a `mixing,dtmf_events` bridge, so each digit reaches us as an event). Pure:
 * digits and times in, at most one outcome out. Only the receptionist's leg is ever fed to a
 * reader; the caller's digits never reach one.
 *
 * A code is matched as it is keyed: while the digits are a prefix of some code the reader waits
 * (up to the inter-digit timeout); a complete code is an action; anything else is invalid and
 * the receptionist hears a short error tone, the call goes on untouched. The blind- and
 * announced-transfer codes take a target (a contact code or a number) ended by `#`. While the
 * receptionist consults a contact (announced transfer) a second, separate set of codes applies:
 * abort, complete, three-way (`*1`, `*2`, `*3`, as Asterisk's atxfer defaults). Abuse is bounded: a target longer
 * than `maxTargetDigits`, or more than `maxDigitsPerWindow` digits within one timeout window,
 * ends the code as invalid and the digits that follow the flood are ignored until the phone is
 * quiet for one timeout.
 */

export type FeatureCodeName = 'blindTransfer' | 'attendedTransfer' | 'park' | 'disconnect' | 'holdToggle' | 'voicemail';

/** Codes read only while the receptionist consults a contact (an announced transfer). */
export type ConsultCodeName = 'abort' | 'complete' | 'threeWay';

export interface FeatureCodeSettings {
  codes: Record<FeatureCodeName, string>;
  /** While consulting; defaults to DEFAULT_CONSULT_CODES. */
  consultCodes?: Record<ConsultCodeName, string>;
  /** Silence that ends a code (a partial code, or a target without its `#`, is then invalid). */
  interDigitTimeoutMs: number;
  /** Longest transfer target (digits, a leading `*` for `+` included). */
  maxTargetDigits: number;
  /** Digits accepted within one timeout window before the phone is ignored for a while. */
  maxDigitsPerWindow: number;
}

export const DEFAULT_CONSULT_CODES: Record<ConsultCodeName, string> = { abort: '*1', complete: '*2', threeWay: '*3' };

export const DEFAULT_FEATURE_CODES: FeatureCodeSettings = {
  codes: { blindTransfer: '##', attendedTransfer: '*2', park: '#72', disconnect: '**', holdToggle: '*0', voicemail: '*9' },
  consultCodes: DEFAULT_CONSULT_CODES,
  interDigitTimeoutMs: 2000,
  maxTargetDigits: 20,
  maxDigitsPerWindow: 40,
};

export type FeatureAction =
  | { kind: 'blind-transfer'; target: string }
  | { kind: 'attended-transfer'; target: string }
  | { kind: 'transfer-abort' }
  | { kind: 'transfer-complete' }
  | { kind: 'transfer-three-way' }
  | { kind: 'park' }
  | { kind: 'disconnect' }
  | { kind: 'hold-toggle' }
  | { kind: 'voicemail' };

export type InvalidReason = 'unknown-code' | 'timeout' | 'empty-target' | 'target-too-long' | 'flood';

export type ReaderOutcome = { kind: 'none' } | { kind: 'action'; action: FeatureAction } | { kind: 'invalid'; reason: InvalidReason };

export type ReaderState =
  | { mode: 'idle'; windowStart: number; windowCount: number; lastAt: number }
  | { mode: 'code'; digits: string; windowStart: number; windowCount: number; lastAt: number }
  /** `attended`: the target of an announced transfer (else a blind one). */
  | { mode: 'target'; target: string; attended?: true; windowStart: number; windowCount: number; lastAt: number }
  /** Flooded: digits are ignored until the phone is quiet for one timeout. */
  | { mode: 'muted'; lastAt: number };

export interface ReaderStep {
  state: ReaderState;
  outcome: ReaderOutcome;
}

const DTMF = /^[0-9*#A-D]$/;
const NONE: ReaderOutcome = { kind: 'none' };

export function newReader(): ReaderState {
  return { mode: 'idle', windowStart: -Infinity, windowCount: 0, lastAt: -Infinity };
}

/** Refuses a configuration where one code is a prefix of another (the longer could never be keyed). */
export function checkFeatureCodes(codes: Record<string, string>): { ok: true } | { ok: false; message: string } {
  const entries = Object.entries(codes);
  for (const [name, code] of entries) {
    if (!/^[0-9*#]{2,4}$/.test(code)) return { ok: false, message: `feature code ${name} must be 2-4 of 0-9 * #` };
  }
  for (const [a, ca] of entries) {
    for (const [b, cb] of entries) {
      if (a !== b && cb.startsWith(ca)) return { ok: false, message: `feature code ${a} (${ca}) is a prefix of ${b} (${cb})` };
    }
  }
  return { ok: true };
}

/** Which codes a leg's digits are read against: a call, or a consultation (announced transfer). */
export type ReaderContext = 'call' | 'consult';

const ACTIONS: Record<Exclude<FeatureCodeName, 'blindTransfer' | 'attendedTransfer'>, FeatureAction> = {
  park: { kind: 'park' },
  disconnect: { kind: 'disconnect' },
  holdToggle: { kind: 'hold-toggle' },
  voicemail: { kind: 'voicemail' },
};

const CONSULT_ACTIONS: Record<ConsultCodeName, FeatureAction> = {
  abort: { kind: 'transfer-abort' },
  complete: { kind: 'transfer-complete' },
  threeWay: { kind: 'transfer-three-way' },
};

function idle(s: { windowStart: number; windowCount: number }, lastAt: number): Extract<ReaderState, { mode: 'idle' }> {
  return { mode: 'idle', windowStart: s.windowStart, windowCount: s.windowCount, lastAt };
}

/** One digit from the receptionist's phone at `now`; `context` says which set of codes applies. */
export function readDigit(state: ReaderState, rawDigit: string, now: number, settings: FeatureCodeSettings, context: ReaderContext = 'call'): ReaderStep {
  const digit = rawDigit.toUpperCase();
  if (!DTMF.test(digit)) return { state, outcome: NONE };
  const timeout = settings.interDigitTimeoutMs;
  if (state.mode === 'muted' && now - state.lastAt < timeout) return { state: { mode: 'muted', lastAt: now }, outcome: NONE };
  let live: Exclude<ReaderState, { mode: 'muted' }> = state.mode === 'muted' ? (newReader() as Exclude<ReaderState, { mode: 'muted' }>) : state;
  // A code left unfinished for longer than the timeout is over (its timer reports it as invalid).
  if (live.mode !== 'idle' && now - live.lastAt >= timeout) live = idle(live, live.lastAt);

  // Flood bound: count digits per window of one timeout.
  let windowStart = live.windowStart;
  let windowCount = live.windowCount;
  if (now - windowStart >= timeout) {
    windowStart = now;
    windowCount = 0;
  }
  windowCount += 1;
  if (windowCount > settings.maxDigitsPerWindow) {
    return { state: { mode: 'muted', lastAt: now }, outcome: { kind: 'invalid', reason: 'flood' } };
  }
  const counters = { windowStart, windowCount };

  if (live.mode === 'target') {
    if (digit === '#') {
      if (live.target === '') return { state: idle(counters, now), outcome: { kind: 'invalid', reason: 'empty-target' } };
      const kind = live.attended ? ('attended-transfer' as const) : ('blind-transfer' as const);
      return { state: idle(counters, now), outcome: { kind: 'action', action: { kind, target: live.target } } };
    }
    // `*` stands for `+` as the first key of a number; anywhere else it is not part of a target.
    const ok = /[0-9]/.test(digit) || (digit === '*' && live.target === '');
    if (!ok) return { state: idle(counters, now), outcome: { kind: 'invalid', reason: 'unknown-code' } };
    const target = live.target + digit;
    if (target.length > settings.maxTargetDigits) return { state: idle(counters, now), outcome: { kind: 'invalid', reason: 'target-too-long' } };
    return { state: { mode: 'target', target, ...(live.attended ? { attended: true as const } : {}), ...counters, lastAt: now }, outcome: NONE };
  }

  const digits = (live.mode === 'code' ? live.digits : '') + digit;
  if (context === 'consult') {
    const consult = settings.consultCodes ?? DEFAULT_CONSULT_CODES;
    for (const name of Object.keys(CONSULT_ACTIONS) as ConsultCodeName[]) {
      if (digits === consult[name]) return { state: idle(counters, now), outcome: { kind: 'action', action: CONSULT_ACTIONS[name] } };
    }
    if (Object.values(consult).some((c) => c.startsWith(digits))) return { state: { mode: 'code', digits, ...counters, lastAt: now }, outcome: NONE };
    return { state: idle(counters, now), outcome: { kind: 'invalid', reason: 'unknown-code' } };
  }
  const codes = settings.codes;
  if (digits === codes.blindTransfer) return { state: { mode: 'target', target: '', ...counters, lastAt: now }, outcome: NONE };
  if (digits === codes.attendedTransfer) return { state: { mode: 'target', target: '', attended: true, ...counters, lastAt: now }, outcome: NONE };
  for (const name of Object.keys(ACTIONS) as Array<keyof typeof ACTIONS>) {
    if (digits === codes[name]) return { state: idle(counters, now), outcome: { kind: 'action', action: ACTIONS[name] } };
  }
  if (Object.values(codes).some((c) => c.startsWith(digits))) return { state: { mode: 'code', digits, ...counters, lastAt: now }, outcome: NONE };
  return { state: idle(counters, now), outcome: { kind: 'invalid', reason: 'unknown-code' } };
}

/** The inter-digit timer fired: an unfinished code (or a target without `#`) is invalid. */
export function readTimeout(state: ReaderState, now: number, settings: FeatureCodeSettings): ReaderStep {
  if (state.mode === 'code' || state.mode === 'target') {
    if (now - state.lastAt < settings.interDigitTimeoutMs) return { state, outcome: NONE }; // a newer digit re-armed it
    return { state: idle(state, state.lastAt), outcome: { kind: 'invalid', reason: 'timeout' } };
  }
  return { state, outcome: NONE };
}

/** Whether the reader waits for more digits (the caller of the reader keeps a timer armed). */
export function isPending(state: ReaderState): boolean {
  return state.mode === 'code' || state.mode === 'target';
}
