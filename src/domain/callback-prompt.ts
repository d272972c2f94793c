/**
 * The caller's side of a callback offer, as a pure state machine driven by DTMF digits and
 * timeouts: "press 1 to keep your place and we'll call you back" -> "we will call you at
 * <number>: press 1 to confirm, or key another number then #" -> accepted. Digits are data from
 * a stranger: anything but 0-9 * # is ignored, keyed numbers are bounded, and a caller who keeps
 * pressing keys or keying bad numbers only closes the offer (they keep waiting in line).
 */
import { checkCallbackNumber, type NumberRules } from './callbacks';

export interface PromptMedia {
  /** "Press 1 to keep your place and we'll call you back." */
  offer: string;
  /** "We will call you back at" (the caller's number follows, as digits). */
  confirm: string;
  /** "Press 1 to confirm, or key another number then hash." */
  menu: string;
  /** "Thank you, we will call you back." */
  accepted: string;
  /** "Sorry, that number cannot be used." */
  invalid: string;
}

export interface PromptRules extends NumberRules {
  media: PromptMedia;
  /** How long the caller has to confirm, or between two keyed digits. */
  digitTimeoutMs: number;
  /** Longest keyed number (digits). */
  maxDigits: number;
  /** Digits accepted in all before the offer closes (abuse bound). */
  maxKeypresses: number;
  /** Bad numbers keyed before the offer closes. */
  maxInvalid: number;
}

export type PromptState =
  | { step: 'offered'; callerNumber: string; keypresses: number; invalid: number }
  | { step: 'confirm'; callerNumber: string; keypresses: number; invalid: number }
  | { step: 'keying'; callerNumber: string; keypresses: number; invalid: number; digits: string }
  | { step: 'accepted'; number: string }
  | { step: 'closed' };

export type PromptAction =
  | { kind: 'play'; media: string[] }
  | { kind: 'start-timeout'; ms: number }
  | { kind: 'cancel-timeout' }
  /** The caller chose this number: turn them into a callback. */
  | { kind: 'accept'; number: string };

export interface PromptStep {
  state: PromptState;
  actions: PromptAction[];
}

/** The offer is made: play it once; the caller may press 1 at any time while they wait. */
export function startPrompt(callerNumber: string, rules: PromptRules): PromptStep {
  return { state: { step: 'offered', callerNumber, keypresses: 0, invalid: 0 }, actions: [{ kind: 'play', media: [rules.media.offer] }] };
}

function confirmMedia(callerNumber: string, rules: PromptRules): string[] {
  if (!checkCallbackNumber(callerNumber, rules).ok) return [rules.media.menu];
  return [rules.media.confirm, `digits:${callerNumber.trim().replace('+', '')}`, rules.media.menu];
}

export function promptDigit(state: PromptState, digit: string, rules: PromptRules): PromptStep {
  if (state.step === 'accepted' || state.step === 'closed') return { state, actions: [] };
  if (!/^[0-9*#]$/.test(digit)) return { state, actions: [] };
  const keypresses = state.keypresses + 1;
  if (keypresses > rules.maxKeypresses) return { state: { step: 'closed' }, actions: [{ kind: 'cancel-timeout' }] };
  const base = { callerNumber: state.callerNumber, keypresses, invalid: state.invalid };
  switch (state.step) {
    case 'offered':
      if (digit !== '1') return { state: { ...state, keypresses }, actions: [] };
      return {
        state: { step: 'confirm', ...base },
        actions: [{ kind: 'play', media: confirmMedia(state.callerNumber, rules) }, { kind: 'start-timeout', ms: rules.digitTimeoutMs }],
      };
    case 'confirm': {
      if (digit === '1' && checkCallbackNumber(state.callerNumber, rules).ok) return accept(state.callerNumber.trim(), rules);
      if (digit === '*' || digit === '#') return { state: { ...state, keypresses }, actions: [] };
      return { state: { step: 'keying', ...base, digits: digit }, actions: [{ kind: 'start-timeout', ms: rules.digitTimeoutMs }] };
    }
    case 'keying': {
      if (digit === '*') {
        // Start again: back to the confirmation question.
        return { state: { step: 'confirm', ...base }, actions: [{ kind: 'play', media: confirmMedia(state.callerNumber, rules) }, { kind: 'start-timeout', ms: rules.digitTimeoutMs }] };
      }
      if (digit === '#') {
        const check = checkCallbackNumber(state.digits, rules);
        if (check.ok) return accept(check.number, rules);
        return refuse({ ...base }, rules);
      }
      const digits = state.digits + digit;
      if (digits.length > rules.maxDigits) return refuse({ ...base }, rules);
      return { state: { ...state, keypresses, digits }, actions: [{ kind: 'start-timeout', ms: rules.digitTimeoutMs }] };
    }
  }
}

/** Nothing pressed in time: the question lapses; the caller keeps waiting and may press 1 again. */
export function promptTimeout(state: PromptState): PromptStep {
  if (state.step === 'confirm' || state.step === 'keying') {
    return { state: { step: 'offered', callerNumber: state.callerNumber, keypresses: state.keypresses, invalid: state.invalid }, actions: [] };
  }
  return { state, actions: [] };
}

function accept(number: string, rules: PromptRules): PromptStep {
  return { state: { step: 'accepted', number }, actions: [{ kind: 'cancel-timeout' }, { kind: 'accept', number }, { kind: 'play', media: [rules.media.accepted] }] };
}

function refuse(s: { callerNumber: string; keypresses: number; invalid: number }, rules: PromptRules): PromptStep {
  const invalid = s.invalid + 1;
  if (invalid >= rules.maxInvalid) return { state: { step: 'closed' }, actions: [{ kind: 'cancel-timeout' }, { kind: 'play', media: [rules.media.invalid] }] };
  return {
    state: { step: 'confirm', callerNumber: s.callerNumber, keypresses: s.keypresses, invalid },
    actions: [{ kind: 'play', media: [rules.media.invalid, ...confirmMedia(s.callerNumber, rules)] }, { kind: 'start-timeout', ms: rules.digitTimeoutMs }],
  };
}
