import { describe, expect, it } from 'vitest';
import { retryDelayMs, retrySchedule } from '../../src/messages/backoff';

const policy = { baseMs: 5000, maxMs: 3_600_000, jitter: 0.2 };

describe('retry backoff', () => {
  it('given no jitter then delays double from the base', () => {
    expect(retrySchedule(6, policy)).toEqual([5000, 10_000, 20_000, 40_000, 80_000]);
  });

  it('given many failures then the delay is capped', () => {
    expect(retryDelayMs(30, { ...policy, jitter: 0 })).toBe(3_600_000);
    expect(retryDelayMs(1000, policy, 0.99)).toBe(3_600_000);
  });

  it('given jitter then each delay stays within +/- the jitter fraction', () => {
    expect(retryDelayMs(3, policy, 0)).toBe(16_000);
    expect(retryDelayMs(3, policy, 0.5)).toBe(20_000);
    expect(retryDelayMs(3, policy, 0.999999)).toBeLessThanOrEqual(24_000);
  });

  it('given attempt 0 or 1 then the delay is the base', () => {
    expect(retryDelayMs(0, { ...policy, jitter: 0 })).toBe(5000);
    expect(retryDelayMs(1, { ...policy, jitter: 0 })).toBe(5000);
  });
});
