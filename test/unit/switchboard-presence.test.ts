import { describe, expect, it } from 'vitest';
import { Office, offered, ofType, originates } from './support/office';

describe('presence: login, pause, logout, pending changes', () => {
  it('given a logged-out receptionist when they log in then they are available and idle since the login', () => {
    const office = new Office(3_000).hire(['ann']);
    const commands = office.setPresence('ann', { kind: 'available' });
    expect(office.receptionist('ann')).toMatchObject({ presence: { kind: 'available' }, idleSince: 3_000, presenceSince: 3_000 });
    expect(ofType(commands, 'save-receptionist')).toHaveLength(1);
  });

  it('given an unknown receptionist when presence is set then the result says no-such-receptionist', () => {
    const office = new Office();
    expect(office.sb.setPresence('nobody', { kind: 'available' }, 0)).toEqual({ ok: false, code: 'no-such-receptionist' });
  });

  it('given an available receptionist when they pause and come back then they are idle since the end of the pause', () => {
    const office = new Office().givenReceptionists({ ann: 1_000, bob: 2_000 });
    office.advanceTo(5_000);
    office.setPresence('ann', { kind: 'paused', reason: 'coffee' });
    expect(office.receptionist('ann').presence).toEqual({ kind: 'paused', reason: 'coffee' });
    expect(offered(office.callArrives('c1'))).toEqual(['c1->bob']);
    office.advanceTo(9_000);
    office.setPresence('ann', { kind: 'available' });
    expect(office.receptionist('ann').idleSince).toBe(9_000);
  });

  it('given an available receptionist who asks to be available again then their place in the idle line is kept', () => {
    const office = new Office().givenReceptionists({ ann: 1_000, bob: 2_000 });
    office.advanceTo(5_000);
    office.setPresence('ann', { kind: 'available' });
    expect(office.receptionist('ann').idleSince).toBe(1_000);
  });

  it('given a paused receptionist when a caller waits and they unpause then they are offered the caller at once', () => {
    const office = new Office().givenReceptionists({ ann: 0 });
    office.setPresence('ann', { kind: 'paused', reason: 'x' });
    office.callArrives('c1');
    expect(offered(office.setPresence('ann', { kind: 'available' }))).toEqual(['c1->ann']);
  });

  it('given a receptionist on a call when they ask to pause then the pause is applied after wrap-up', () => {
    const office = new Office().givenReceptionists({ ann: 0 }, { wrapUpSeconds: 10 });
    office.callArrives('c1');
    office.pickUp('ann');
    office.setPresence('ann', { kind: 'paused', reason: 'lunch' });
    expect(office.receptionist('ann')).toMatchObject({ presence: { kind: 'on-call' }, pending: { kind: 'paused', reason: 'lunch' } });

    office.callerHangsUp('c1');
    expect(office.presenceOf('ann')).toBe('wrap-up');
    office.advance(10_000);
    expect(office.receptionist('ann')).toMatchObject({ presence: { kind: 'paused', reason: 'lunch' }, pending: null });
  });

  it('given a receptionist on a call when they ask to log out then the logout is applied after wrap-up', () => {
    const office = new Office().givenReceptionists({ ann: 0, bob: 1 }, { wrapUpSeconds: 10 });
    office.callArrives('c1');
    office.pickUp('ann');
    office.setPresence('ann', { kind: 'logged-out' });
    expect(office.presenceOf('ann')).toBe('on-call');
    office.receptionistHangsUp('c1');
    office.advance(10_000);
    expect(office.presenceOf('ann')).toBe('logged-out');
  });

  it('given a pending pause when the receptionist asks to be available before the call ends then the pending pause is dropped', () => {
    const office = new Office().givenReceptionists({ ann: 0 }, { wrapUpSeconds: 10 });
    office.callArrives('c1');
    office.pickUp('ann');
    office.setPresence('ann', { kind: 'paused', reason: 'lunch' });
    office.setPresence('ann', { kind: 'available' });
    expect(office.receptionist('ann')).toMatchObject({ presence: { kind: 'on-call' }, pending: null });
    office.callerHangsUp('c1');
    office.advance(10_000);
    expect(office.presenceOf('ann')).toBe('available');
  });

  it('given a receptionist in wrap-up when they say available then wrap-up ends early and they are idle since now', () => {
    const office = new Office().givenReceptionists({ ann: 0 }, { wrapUpSeconds: 60 });
    office.callArrives('c1');
    office.pickUp('ann');
    office.callerHangsUp('c1');
    office.callArrives('c2');
    office.advance(5_000);

    const commands = office.setPresence('ann', { kind: 'available' });

    expect(commands).toContainEqual({ type: 'cancel-timer', key: 'wrap|ann' });
    expect(offered(commands)).toEqual(['c2->ann']);
    expect(office.receptionist('ann').idleSince).toBe(5_000);
    expect(office.timers.has('wrap|ann')).toBe(false);
  });

  it('given a receptionist in wrap-up when they pause then the pause applies at once and the wrap-up timer is cancelled', () => {
    const office = new Office().givenReceptionists({ ann: 0 }, { wrapUpSeconds: 60 });
    office.callArrives('c1');
    office.pickUp('ann');
    office.callerHangsUp('c1');
    const commands = office.setPresence('ann', { kind: 'paused', reason: 'x' });
    expect(commands).toContainEqual({ type: 'cancel-timer', key: 'wrap|ann' });
    expect(office.presenceOf('ann')).toBe('paused');
    office.advance(60_000);
    expect(office.presenceOf('ann')).toBe('paused');
  });

  it('given a receptionist paused for missed calls when they come back then their miss count starts at zero', () => {
    const office = new Office().givenReceptionists({ ann: 0 }, { maxMissedOffers: 1, ringTimeoutSeconds: 5 });
    office.callArrives('c1');
    office.advance(5_000);
    expect(office.receptionist('ann').presence).toEqual({ kind: 'paused', reason: 'missed-calls' });
    const commands = office.setPresence('ann', { kind: 'available' });
    expect(offered(commands)).toEqual(['c1->ann']);
    expect(office.receptionist('ann').missedInRow).toBe(0);
  });

  it('given a receptionist ringing when they pause then the offer is withdrawn and the caller goes to the next receptionist', () => {
    const office = new Office().givenReceptionists({ ann: 0, bob: 1 });
    office.callArrives('c1');
    const offerId = office.ringingOffer('ann');
    const commands = office.setPresence('ann', { kind: 'paused', reason: 'x' });
    expect(commands[0]).toEqual({ type: 'hangup-leg', callId: 'c1', offerId });
    expect(offered(commands)).toEqual(['c1->bob']);
    expect(office.receptionist('ann').missedInRow).toBe(0);
  });

  // Regression: the withdrawn caller once went back in line without hold treatment or a saved
  // snapshot (they kept hearing ringback, and a restart would have seen a dead offer).
  it('given the only free receptionist is ringing when they pause and nobody else is free then the caller is put on hold and saved as waiting', () => {
    const office = new Office().givenReceptionists({ ann: 0, bob: 1 });
    office.client = { ...office.client, holdPrompt: { media: 'sound:acme-prompt', everySeconds: 30 } };
    office.callArrives('c0');
    office.pickUp('ann'); // bob is the only free one
    office.callArrives('c1');
    expect(office.ringing()).toEqual({ c1: 'bob' });

    const commands = office.setPresence('bob', { kind: 'paused', reason: 'x' });

    expect(office.waitingIds()).toEqual(['c1']);
    expect(ofType(commands, 'hold-caller')).toEqual([{ type: 'hold-caller', callId: 'c1', mohClass: 'acme-moh' }]);
    expect(office.lastSavedCall('c1')).toMatchObject({ phase: 'waiting', offer: null, onHold: true });
    expect(office.timers.has('prompt|c1')).toBe(true);
  });

  it('given a receptionist on a call when they log out and back in before it ends then nothing pending remains', () => {
    const office = new Office().givenReceptionists({ ann: 0 }, { wrapUpSeconds: 0 });
    office.callArrives('c1');
    office.pickUp('ann');
    office.setPresence('ann', { kind: 'logged-out' });
    office.setPresence('ann', { kind: 'available' });
    office.callerHangsUp('c1');
    expect(office.receptionist('ann')).toMatchObject({ presence: { kind: 'available' }, pending: null });
  });

  it('given a logged-out receptionist when they log out again then no callers are offered to anyone', () => {
    const office = new Office().hire(['ann']);
    expect(originates(office.setPresence('ann', { kind: 'logged-out' }))).toEqual([]);
  });
});
