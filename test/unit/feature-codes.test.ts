import { describe, expect, it } from 'vitest';
import { checkFeatureCodes, DEFAULT_FEATURE_CODES, isPending, newReader, readDigit, readTimeout, type ReaderOutcome, type ReaderState } from '../../src/domain/feature-codes';

const settings = DEFAULT_FEATURE_CODES;

/** Keys digits `gap` ms apart from `start`; returns the outcomes that were not `none`. */
function key(digits: string, opts: { state?: ReaderState; start?: number; gap?: number } = {}) {
  let state = opts.state ?? newReader();
  let at = opts.start ?? 1000;
  const outcomes: ReaderOutcome[] = [];
  for (const d of digits) {
    const step = readDigit(state, d, at, settings);
    state = step.state;
    if (step.outcome.kind !== 'none') outcomes.push(step.outcome);
    at += opts.gap ?? 100;
  }
  return { state, outcomes, at };
}

describe('feature codes', () => {
  it.each([
    ['**', { kind: 'disconnect' }],
    ['*0', { kind: 'hold-toggle' }],
    ['*9', { kind: 'voicemail' }],
    ['#72', { kind: 'park' }],
  ])('given the default codes when %s is keyed then it is one action', (digits, action) => {
    const { outcomes, state } = key(digits);
    expect(outcomes).toEqual([{ kind: 'action', action }]);
    expect(isPending(state)).toBe(false);
  });

  it('given ## when a target and # follow then it is a blind transfer to that target', () => {
    expect(key('##5035550123#').outcomes).toEqual([{ kind: 'action', action: { kind: 'blind-transfer', target: '5035550123' } }]);
    expect(key('##12#').outcomes).toEqual([{ kind: 'action', action: { kind: 'blind-transfer', target: '12' } }]);
    expect(key('##*4420#').outcomes).toEqual([{ kind: 'action', action: { kind: 'blind-transfer', target: '*4420' } }]);
  });

  it('given *2 when a target and # follow then it is an announced transfer to that target', () => {
    expect(key('*212#').outcomes).toEqual([{ kind: 'action', action: { kind: 'attended-transfer', target: '12' } }]);
    expect(key('*2*4420#').outcomes).toEqual([{ kind: 'action', action: { kind: 'attended-transfer', target: '*4420' } }]);
    expect(key('*2#').outcomes).toEqual([{ kind: 'invalid', reason: 'empty-target' }]);
    expect(isPending(key('*25035').state)).toBe(true);
  });

  it('given a consultation then only *1 *2 *3 are read (abort, complete, three-way) and the call codes are not', () => {
    const consult = (digits: string) => {
      let state = newReader();
      let at = 1000;
      const outcomes: ReaderOutcome[] = [];
      for (const d of digits) {
        const step = readDigit(state, d, at, settings, 'consult');
        state = step.state;
        if (step.outcome.kind !== 'none') outcomes.push(step.outcome);
        at += 100;
      }
      return outcomes;
    };
    expect(consult('*1')).toEqual([{ kind: 'action', action: { kind: 'transfer-abort' } }]);
    expect(consult('*2')).toEqual([{ kind: 'action', action: { kind: 'transfer-complete' } }]);
    expect(consult('*3')).toEqual([{ kind: 'action', action: { kind: 'transfer-three-way' } }]);
    expect(consult('**')).toEqual([{ kind: 'invalid', reason: 'unknown-code' }]);
    expect(consult('#')).toEqual([{ kind: 'invalid', reason: 'unknown-code' }]);
    const custom = { ...settings, consultCodes: { abort: '#1', complete: '#2', threeWay: '#3' } };
    expect(readDigit(readDigit(newReader(), '#', 0, custom, 'consult').state, '2', 100, custom, 'consult').outcome).toEqual({
      kind: 'action',
      action: { kind: 'transfer-complete' },
    });
  });

  it('given an unknown code then it is invalid at once and the next code still works', () => {
    const first = key('*5');
    expect(first.outcomes).toEqual([{ kind: 'invalid', reason: 'unknown-code' }]);
    expect(key('**', { state: first.state, start: first.at }).outcomes).toEqual([{ kind: 'action', action: { kind: 'disconnect' } }]);
    expect(key('1').outcomes).toEqual([{ kind: 'invalid', reason: 'unknown-code' }]);
  });

  it('given a partial code when the inter-digit timeout passes then the code ends as invalid', () => {
    const { state, at } = key('#7');
    expect(isPending(state)).toBe(true);
    expect(readTimeout(state, at - 100 + 1999, settings).outcome.kind).toBe('none'); // not yet
    const timedOut = readTimeout(state, at - 100 + 2000, settings);
    expect(timedOut.outcome).toEqual({ kind: 'invalid', reason: 'timeout' });
    expect(isPending(timedOut.state)).toBe(false);
  });

  it('given a partial code when the next digit comes after the timeout then it starts a new code', () => {
    const { outcomes } = key('*0', { gap: 2500 });
    // '*' lapsed; '0' alone is not a code
    expect(outcomes).toEqual([{ kind: 'invalid', reason: 'unknown-code' }]);
  });

  it('given a transfer target without # when the timeout passes then nothing is dialled', () => {
    const { state, at } = key('##5035550123');
    expect(readTimeout(state, at + 5000, settings).outcome).toEqual({ kind: 'invalid', reason: 'timeout' });
  });

  it('given ## then # at once then the empty target is invalid', () => {
    expect(key('###').outcomes).toEqual([{ kind: 'invalid', reason: 'empty-target' }]);
  });

  it('given a very long target then it is refused once it passes the bound', () => {
    const { outcomes } = key('##' + '1'.repeat(25) + '#');
    expect(outcomes[0]).toEqual({ kind: 'invalid', reason: 'target-too-long' });
    expect(outcomes.some((o) => o.kind === 'action' && o.action.kind === 'blind-transfer')).toBe(false);
  });

  it('given * inside a target then the code is invalid (only a leading * stands for +)', () => {
    expect(key('##12*3#').outcomes[0]).toEqual({ kind: 'invalid', reason: 'unknown-code' });
  });

  it('given a flood of digits then it is reported once and the phone is ignored until it is quiet', () => {
    const flood = key('1'.repeat(200), { gap: 5 });
    const floods = flood.outcomes.filter((o) => o.kind === 'invalid' && o.reason === 'flood');
    expect(floods).toHaveLength(1);
    expect(flood.outcomes.some((o) => o.kind === 'action')).toBe(false);
    // Still muted right after, whatever is keyed.
    expect(key('**', { state: flood.state, start: flood.at }).outcomes).toEqual([]);
    // Quiet for one timeout: codes work again.
    expect(key('**', { state: flood.state, start: flood.at + 3000 }).outcomes).toEqual([{ kind: 'action', action: { kind: 'disconnect' } }]);
  });

  it('given anything that is not a DTMF digit then it is ignored', () => {
    expect(key('x!&\n').outcomes).toEqual([]);
  });

  it('given a configuration where a code is a prefix of another then it is refused', () => {
    expect(checkFeatureCodes(DEFAULT_FEATURE_CODES.codes)).toEqual({ ok: true });
    expect(checkFeatureCodes({ ...DEFAULT_FEATURE_CODES.codes, park: '##7' }).ok).toBe(false);
    expect(checkFeatureCodes({ ...DEFAULT_FEATURE_CODES.codes, park: '7' }).ok).toBe(false);
  });

  it('given custom codes then they are used', () => {
    const custom = { ...settings, codes: { ...settings.codes, disconnect: '#99' } };
    const step1 = readDigit(newReader(), '#', 0, custom);
    const step2 = readDigit(step1.state, '9', 10, custom);
    const step3 = readDigit(step2.state, '9', 20, custom);
    expect(step3.outcome).toEqual({ kind: 'action', action: { kind: 'disconnect' } });
  });
});
