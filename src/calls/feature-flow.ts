import {
  isPending,
  newReader,
  readDigit,
  readTimeout,
  type FeatureAction,
  type FeatureCodeSettings,
  type InvalidReason,
  type ReaderContext,
  type ReaderState,
} from '../domain/feature-codes';
import type { Timers } from '../ports/clock';

export interface FeatureFlowDeps {
  settings: FeatureCodeSettings;
  timers: Timers;
  now: () => number;
  /** Runs work on the call service's serial executor. */
  serial: (work: () => void) => void;
  /** A complete code keyed on a receptionist's leg. */
  action: (offerId: string, action: FeatureAction) => void;
  /** An invalid code: the receptionist hears the error tone. */
  invalid: (offerId: string, reason: InvalidReason) => void;
  /** Which codes apply to this leg now: `consult` while it consults a contact (announced transfer). */
  context?: (offerId: string) => ReaderContext;
}

const timerKey = (offerId: string) => `fcode|${offerId}`;

/**
 * One feature-code reader per receptionist leg (only receptionists' legs are ever fed here),
 * with the inter-digit timer. The reading itself is pure (domain/feature-codes.ts).
 */
export class FeatureFlow {
  private readonly readers = new Map<string, ReaderState>();
  /** When each leg last heard the error tone: at most one a second, whatever is keyed. */
  private readonly lastTone = new Map<string, number>();

  constructor(private readonly deps: FeatureFlowDeps) {}

  digit(offerId: string, digit: string): void {
    const { settings, now } = this.deps;
    const step = readDigit(this.readers.get(offerId) ?? newReader(), digit, now(), settings, this.deps.context?.(offerId) ?? 'call');
    this.settle(offerId, step.state, step.outcome);
  }

  /** The leg ended: its reader and timer go. */
  forget(offerId: string): void {
    this.lastTone.delete(offerId);
    if (this.readers.delete(offerId)) this.deps.timers.cancel(timerKey(offerId));
  }

  /** After a resync every timer was cancelled: unfinished codes are dropped. */
  reset(): void {
    this.readers.clear();
    this.lastTone.clear();
  }

  private expire(offerId: string): void {
    const state = this.readers.get(offerId);
    if (!state) return;
    const step = readTimeout(state, this.deps.now(), this.deps.settings);
    this.settle(offerId, step.state, step.outcome);
  }

  private settle(offerId: string, state: ReaderState, outcome: ReturnType<typeof readDigit>['outcome']): void {
    this.readers.set(offerId, state);
    if (isPending(state)) {
      this.deps.timers.start(timerKey(offerId), this.deps.settings.interDigitTimeoutMs, () => this.deps.serial(() => this.expire(offerId)));
    } else {
      this.deps.timers.cancel(timerKey(offerId));
    }
    if (outcome.kind === 'action') this.deps.action(offerId, outcome.action);
    else if (outcome.kind === 'invalid') {
      const now = this.deps.now();
      if (now - (this.lastTone.get(offerId) ?? -Infinity) < 1000) return;
      this.lastTone.set(offerId, now);
      this.deps.invalid(offerId, outcome.reason);
    }
  }
}
