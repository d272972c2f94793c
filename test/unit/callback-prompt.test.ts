import { describe, expect, it } from 'vitest';
import { promptDigit, promptTimeout, startPrompt, type PromptRules, type PromptState } from '../../src/domain/callback-prompt';
import { checkCallbackNumber, parseCallbackChannelId, callbackChannelId } from '../../src/domain/callbacks';

const rules: PromptRules = {
  pattern: '^\\+?[0-9]{7,15}$',
  media: { offer: 'sound:offer', confirm: 'sound:confirm', menu: 'sound:menu', accepted: 'sound:ok', invalid: 'sound:bad' },
  digitTimeoutMs: 5000,
  maxDigits: 15,
  maxKeypresses: 40,
  maxInvalid: 3,
};

function press(state: PromptState, digits: string) {
  const actions = [];
  for (const d of digits) {
    const step = promptDigit(state, d, rules);
    state = step.state;
    actions.push(...step.actions);
  }
  return { state, actions };
}

describe('the callback prompt', () => {
  it('given the offer when the caller presses 1 and confirms then their own number is accepted', () => {
    const start = startPrompt('5035551234', rules);
    expect(start.actions).toEqual([{ kind: 'play', media: ['sound:offer'] }]);
    const one = press(start.state, '1');
    expect(one.actions).toContainEqual({ kind: 'play', media: ['sound:confirm', 'digits:5035551234', 'sound:menu'] });
    const confirmed = press(one.state, '1');
    expect(confirmed.state).toEqual({ step: 'accepted', number: '5035551234' });
    expect(confirmed.actions).toContainEqual({ kind: 'accept', number: '5035551234' });
  });

  it('given the confirmation question when the caller keys another number then # then that number is accepted', () => {
    const { state } = press(startPrompt('5035551234', rules).state, '1');
    const keyed = press(state, '2065550123#');
    expect(keyed.state).toEqual({ step: 'accepted', number: '2065550123' });
  });

  it('given an anonymous caller when they press 1 then they are asked to key a number', () => {
    const { state, actions } = press(startPrompt('', rules).state, '1');
    expect(actions).toContainEqual({ kind: 'play', media: ['sound:menu'] });
    expect(press(state, '1').state.step).toBe('keying'); // 1 starts a number, it confirms nothing
  });

  it('given a keyed number that is too short, too long or refused by the pattern then it is refused, and three refusals close the offer', () => {
    let { state } = press(startPrompt('', rules).state, '1');
    let r = press(state, '123#');
    expect(r.state.step).toBe('confirm');
    expect(r.actions).toContainEqual(expect.objectContaining({ kind: 'play', media: expect.arrayContaining(['sound:bad']) }));
    r = press(r.state, '1234567890123456'); // 16 digits
    expect(r.state.step).toBe('confirm');
    r = press(r.state, '99#');
    expect(r.state).toEqual({ step: 'closed' });
    expect(press(r.state, '1').actions).toEqual([]);
    state = r.state;
    expect(state.step).toBe('closed');
  });

  it('given junk and endless digits then nothing breaks and the offer closes after the keypress bound', () => {
    const { state } = press(startPrompt('5035551234', rules).state, 'xABD\u0000');
    expect(state.step).toBe('offered');
    const flood = press(state, '9'.repeat(100));
    expect(flood.state).toEqual({ step: 'closed' });
  });

  it('given the confirmation question when nothing is pressed in time then the offer lapses back and 1 can be pressed again', () => {
    const { state } = press(startPrompt('5035551234', rules).state, '1');
    const lapsed = promptTimeout(state);
    expect(lapsed.state.step).toBe('offered');
    expect(press(lapsed.state, '1').state.step).toBe('confirm');
  });

  it('checks numbers and channel ids', () => {
    expect(checkCallbackNumber('+15035551234', rules)).toEqual({ ok: true, number: '+15035551234' });
    expect(checkCallbackNumber('1900;drop', rules)).toEqual({ ok: false, code: 'invalid-number' });
    expect(checkCallbackNumber('123', rules)).toEqual({ ok: false, code: 'number-not-allowed' });
    expect(checkCallbackNumber('1900555', { pattern: '^(?!1900)[0-9]{7,15}$' })).toEqual({ ok: false, code: 'number-not-allowed' });
    expect(parseCallbackChannelId(callbackChannelId('cbx-1', 3))).toEqual({ callbackId: 'cbx-1', attempt: 3 });
  });
});
