import { describe, expect, it } from 'vitest';
import { defaultDays, erlangB, erlangC, erlangCMeanWait, measureAsaAgainstErlangC, mulberry32 } from '../../scripts/bench/erlang-c';

describe('Erlang C formula used by the ASA bench', () => {
  it('given N=2, A=1 then C = 1/3', () => {
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
  });

  it('given one server then C = A (M/M/1: the chance to wait is the utilisation)', () => {
    for (const a of [0.1, 0.5, 0.9]) expect(erlangC(1, a)).toBeCloseTo(a, 12);
  });

  it('matches the textbook closed form for larger N', () => {
    const closedForm = (n: number, a: number) => {
      let sum = 0;
      let term = 1;
      for (let k = 0; k < n; k++) {
        sum += term;
        term *= a / (k + 1);
      }
      const top = term * (n / (n - a));
      return top / (sum + top);
    };
    for (const [n, a] of [[10, 7], [10, 9.5], [25, 20], [3, 2.5]]) expect(erlangC(n, a)).toBeCloseTo(closedForm(n, a), 10);
    expect(erlangC(10, 7)).toBeCloseTo(0.2217, 4);
  });

  it('Erlang B: N=1 gives A/(1+A), N=2 with A=1 gives 1/5', () => {
    expect(erlangB(1, 2)).toBeCloseTo(2 / 3, 12);
    expect(erlangB(2, 1)).toBeCloseTo(0.2, 12);
  });

  it('edge loads: no traffic never waits, a saturated queue always waits', () => {
    expect(erlangC(5, 0)).toBe(0);
    expect(erlangC(5, 5)).toBe(1);
    expect(erlangCMeanWait(5, 1, 0.2)).toBe(Infinity);
  });

  it('mean wait W_q = C / (N mu - lambda): M/M/1 with rho=0.5 and mu=1 waits 1', () => {
    expect(erlangCMeanWait(1, 0.5, 1)).toBeCloseTo(1, 12);
    expect(erlangCMeanWait(2, 1, 1)).toBeCloseTo(1 / 3, 12);
  });

  it('the PRNG is seeded and uniform-ish', () => {
    const a = mulberry32(8);
    const b = mulberry32(8);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 1);
  });

  it('run length grows as occupancy nears 1', () => {
    expect([0.7, 0.85, 0.95].map(defaultDays)).toEqual([34, 67, 200]);
  });

  it('a short light-load run through the real Switchboard answers every call, never faster than the answer delay', async () => {
    const r = await measureAsaAgainstErlangC({ occupancies: [0.5], days: 2, warmUpHours: 1, seed: 1 });
    const x = r['0.5'];
    expect(x.calls).toBeGreaterThan(4_000);
    expect(x.measuredAsaSeconds).toBeGreaterThanOrEqual(3);
    expect(x.predictedAsaSeconds).toBeGreaterThan(3);
    expect(x.ratio).toBeGreaterThan(0.8);
    expect(x.ratio).toBeLessThan(1.2);
  });
});
