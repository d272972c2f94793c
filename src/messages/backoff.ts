/** How long to wait before the next try of a job that failed. */
export interface RetryPolicy {
  /** Delay after the first failure. */
  baseMs: number;
  /** No delay is longer than this. */
  maxMs: number;
  /** 0..1: each delay is spread by up to this fraction either way, so failures do not retry in lockstep. */
  jitter: number;
}

/** Exponential: base, 2 x base, 4 x base, … capped at maxMs; `random` in [0, 1) spreads it. */
export function retryDelayMs(attemptsMade: number, policy: RetryPolicy, random = 0.5): number {
  const exponent = Math.max(0, attemptsMade - 1);
  const plain = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(exponent, 40));
  const spread = plain * policy.jitter * (2 * random - 1);
  return Math.max(0, Math.min(policy.maxMs, Math.round(plain + spread)));
}

/** The delays between `attempts` tries, without jitter (for docs and the admin view). */
export function retrySchedule(attempts: number, policy: RetryPolicy): number[] {
  return Array.from({ length: Math.max(0, attempts - 1) }, (_, i) => retryDelayMs(i + 1, { ...policy, jitter: 0 }));
}
