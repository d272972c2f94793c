import { describe, expect, it } from 'vitest';
import { Office, offered, ofType, originates } from './support/office';

describe('named races', () => {
  it('caller hangs up as the receptionist answers: the late answer gets hangup-leg and the receptionist is not stuck on-call', () => {
    const office = new Office().givenReceptionists({ ann: 0 });
    office.callArrives('c1');
    const offerId = office.ringingOffer('ann');

    office.callerHangsUp('c1');
    const commands = office.answer(offerId);

    expect(commands).toEqual([{ type: 'hangup-leg', callId: '', offerId }]);
    expect(ofType(commands, 'connect')).toEqual([]);
    expect(office.receptionist('ann').presence).toEqual({ kind: 'available' });
    expect(offered(office.callArrives('c2'))).toEqual(['c2->ann']);
  });

  it('caller hangs up as the receptionist answers, with another caller waiting: the receptionist rings for the next caller and the late answer only puts down the old leg', () => {
    const office = new Office().givenReceptionists({ ann: 0 });
    office.callArrives('c1');
    office.callArrives('c2');
    const old = office.ringingOffer('ann');

    expect(offered(office.callerHangsUp('c1'))).toEqual(['c2->ann']);
    const next = office.ringingOffer('ann');
    expect(office.answer(old)).toEqual([{ type: 'hangup-leg', callId: '', offerId: old }]);

    expect(office.ringingOffer('ann')).toBe(next);
    expect(ofType(office.pickUp('ann'), 'connect')).toEqual([{ type: 'connect', callId: 'c2', offerId: next }]);
  });

  it('caller hangs up just after the receptionist answered: the call completes and the receptionist goes to wrap-up', () => {
    const office = new Office().givenReceptionists({ ann: 0 }, { wrapUpSeconds: 5 });
    office.callArrives('c1');
    const offerId = office.ringingOffer('ann');
    office.answer(offerId);
    const commands = office.callerHangsUp('c1');
    expect(ofType(commands, 'hangup-leg')).toEqual([{ type: 'hangup-leg', callId: 'c1', offerId }]);
    expect(office.presenceOf('ann')).toBe('wrap-up');
    expect(office.timeline('c1').at(-1)).toMatchObject({ outcome: 'completed', endedBy: 'caller' });
  });

  it('receptionist logs out while ringing: offer withdrawn, leg hung up, caller re-offered to the next with the same place, late answer hung up', () => {
    const office = new Office().givenReceptionists({ ann: 1_000, bob: 2_000, cat: 3_000 }, { wrapUpSeconds: 10 });
    office.advanceTo(5_000);
    office.callArrives('c0'); // ann
    office.callArrives('c1'); // bob
    office.pickUp('ann');
    office.callArrives('c2'); // cat
    office.pickUp('cat');
    office.advance(1_000);
    office.callArrives('c3'); // waits behind c1's place
    const bobOffer = office.ringingOffer('bob');

    const commands = office.setPresence('bob', { kind: 'logged-out' });

    expect(commands[0]).toEqual({ type: 'hangup-leg', callId: 'c1', offerId: bobOffer });
    expect(office.timeline('c1').find((e) => e.kind === 'offer-ended')).toMatchObject({ offerId: bobOffer, outcome: 'cancelled' });
    expect(office.presenceOf('bob')).toBe('logged-out');
    expect(office.waitingIds()).toEqual(['c1', 'c3']); // c1 keeps its place ahead of c3
    expect(office.call('c1')?.enqueuedAt).toBe(5_000);

    // bob's phone picks up a moment too late
    const late = office.answer(bobOffer);
    expect(late).toEqual([{ type: 'hangup-leg', callId: '', offerId: bobOffer }]);
    expect(office.presenceOf('bob')).toBe('logged-out');
    expect(office.legEnds(bobOffer, 'hangup')).toEqual([]);

    // the next free receptionist gets c1 first
    office.callerHangsUp('c0');
    expect(offered(office.advance(10_000))).toEqual(['c1->ann']);
  });

  it('receptionist logs out while ringing with another free: the caller is re-offered at once to the next longest-idle', () => {
    const office = new Office().givenReceptionists({ ann: 1_000, bob: 2_000 });
    office.advanceTo(3_000);
    office.callArrives('c1');
    const commands = office.setPresence('ann', { kind: 'logged-out' });
    const hangupAt = commands.findIndex((c) => c.type === 'hangup-leg');
    const originateAt = commands.findIndex((c) => c.type === 'originate');
    expect(hangupAt).toBeGreaterThanOrEqual(0);
    expect(hangupAt).toBeLessThan(originateAt);
    expect(offered(commands)).toEqual(['c1->bob']);
  });

  it('two offers for one receptionist: two calls at the same instant with one free receptionist make exactly one originate', () => {
    const office = new Office().givenReceptionists({ ann: 0 });
    office.advanceTo(1_000);
    const first = office.callArrives('c1');
    const second = office.callArrives('c2');

    expect(originates([...first, ...second])).toHaveLength(1);
    expect(offered(first)).toEqual(['c1->ann']);
    expect(ofType(second, 'hold-caller')).toHaveLength(1);
    expect(office.waitingIds()).toEqual(['c2']);
  });

  it('two offers for one receptionist: a stale offer-answered for an old offer while they are on another call is hung up, not connected', () => {
    const office = new Office().givenReceptionists({ ann: 0 }, { ringTimeoutSeconds: 10 });
    office.callArrives('c1');
    const old = office.ringingOffer('ann');
    office.advance(10_000); // ann misses; c1 is offered to her again
    const current = office.ringingOffer('ann');
    office.answer(current);
    office.callArrives('c2');
    expect(office.presenceOf('ann')).toBe('on-call');

    const commands = office.answer(old);

    expect(commands).toEqual([{ type: 'hangup-leg', callId: '', offerId: old }]);
    expect(office.receptionist('ann').presence).toEqual({ kind: 'on-call', callId: 'c1' });
    expect(office.call('c1')).toMatchObject({ phase: 'connected', offer: { offerId: current } });
    expect(office.waitingIds()).toEqual(['c2']);
  });

  it('an answer reported twice for the same offer connects once and puts the second report down', () => {
    const office = new Office().givenReceptionists({ ann: 0 });
    office.callArrives('c1');
    const offerId = office.ringingOffer('ann');
    expect(ofType(office.answer(offerId), 'connect')).toHaveLength(1);
    expect(office.answer(offerId)).toEqual([{ type: 'hangup-leg', callId: 'c1', offerId }]);
    expect(office.presenceOf('ann')).toBe('on-call');
    expect(office.call('c1')?.phase).toBe('connected');
  });

  it('ring timeout and answer at the same instant: whichever comes first wins, the other is harmless', () => {
    const office = new Office().givenReceptionists({ ann: 0, bob: 1 }, { ringTimeoutSeconds: 10 });
    office.advanceTo(100);
    office.callArrives('c1');
    const offerId = office.ringingOffer('ann');
    office.advance(10_000); // timer first: c1 now rings bob
    const late = office.answer(offerId);
    expect(late).toEqual([{ type: 'hangup-leg', callId: '', offerId }]);
    expect(office.ringing()).toEqual({ c1: 'bob' });
  });

  it('max-wait overflow and answer at the same instant: the late answer is hung up', () => {
    const office = new Office().givenReceptionists({ ann: 0 }, { ringTimeoutSeconds: 60 });
    office.client = { ...office.client, maxWaitSeconds: 20 };
    office.callArrives('c1');
    const offerId = office.ringingOffer('ann');
    office.advance(20_000);
    expect(office.call('c1')?.phase).toBe('overflow');
    expect(office.answer(offerId)).toEqual([{ type: 'hangup-leg', callId: '', offerId }]);
    expect(office.presenceOf('ann')).toBe('available');
  });
});
