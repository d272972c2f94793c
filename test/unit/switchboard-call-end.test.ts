import { describe, expect, it } from 'vitest';
import { Office, clientProfile, offered, ofType } from './support/office';

describe('calls that end: hangups, wrap-up, abandoned callers', () => {
  function connected(wrapUpSeconds = 30) {
    const office = new Office().givenReceptionists({ ann: 1_000, bob: 2_000 }, { wrapUpSeconds });
    office.advanceTo(10_000);
    office.callArrives('c1');
    office.advance(4_000);
    const offerId = office.ringingOffer('ann');
    const commands = office.pickUp('ann');
    return { office, offerId, commands };
  }

  it('given a receptionist answers then caller and leg are connected, a screen pop is sent and the wait is logged', () => {
    const { office, offerId, commands } = connected();
    expect(ofType(commands, 'connect')).toEqual([{ type: 'connect', callId: 'c1', offerId }]);
    expect(ofType(commands, 'screen-pop')[0].pop).toMatchObject({ callId: 'c1', receptionistId: 'ann', clientName: 'Acme Plumbing', waitMs: 4_000 });
    expect(office.timeline('c1').find((e) => e.kind === 'answered')).toEqual({ kind: 'answered', callId: 'c1', at: 14_000, receptionistId: 'ann', waitMs: 4_000 });
    expect(office.presenceOf('ann')).toBe('on-call');
    expect(office.timers.has(`ring|${offerId}`)).toBe(false);
  });

  it('given a connected call when the caller hangs up then the leg is hung up and the receptionist enters wrap-up', () => {
    const { office, offerId } = connected();
    office.advance(60_000);
    const commands = office.callerHangsUp('c1');

    expect(ofType(commands, 'hangup-leg')).toEqual([{ type: 'hangup-leg', callId: 'c1', offerId }]);
    expect(office.receptionist('ann').presence).toEqual({ kind: 'wrap-up', callId: 'c1', until: office.now + 30_000 });
    expect(office.timeline('c1').at(-1)).toEqual({ kind: 'ended', callId: 'c1', at: office.now, outcome: 'completed', waitMs: 4_000, endedBy: 'caller' });
    expect(commands).toContainEqual({ type: 'drop-call', callId: 'c1' });
    // The PBX then reports the leg gone: nothing more happens.
    expect(office.legEnds(offerId, 'hangup')).toEqual([]);
  });

  it('given a connected call when the receptionist hangs up then the caller is hung up and the receptionist enters wrap-up', () => {
    const { office } = connected();
    office.advance(60_000);
    const commands = office.receptionistHangsUp('c1');

    expect(ofType(commands, 'hangup-caller')).toEqual([{ type: 'hangup-caller', callId: 'c1' }]);
    expect(office.presenceOf('ann')).toBe('wrap-up');
    expect(office.timeline('c1').at(-1)).toMatchObject({ kind: 'ended', outcome: 'completed', endedBy: 'receptionist' });
    expect(office.callerHangsUp('c1')).toEqual([]);
  });

  it('given wrap-up when wrapUpSeconds pass then the receptionist is available again with idleSince = end of wrap-up', () => {
    const { office } = connected(30);
    office.advance(60_000);
    office.callerHangsUp('c1');
    const endOfCall = office.now;

    office.advance(29_999);
    expect(office.presenceOf('ann')).toBe('wrap-up');
    office.advance(1);
    expect(office.receptionist('ann')).toMatchObject({ presence: { kind: 'available' }, idleSince: endOfCall + 30_000 });
    // bob has been idle since 2 000: he is offered first.
    expect(offered(office.callArrives('c2'))).toEqual(['c2->bob']);
    expect(offered(office.callArrives('c3'))).toEqual(['c3->ann']);
  });

  it('given a caller waiting when a wrap-up ends then that receptionist is offered the caller at once', () => {
    const { office } = connected(30);
    office.setPresence('bob', { kind: 'paused', reason: 'lunch' });
    office.callerHangsUp('c1');
    office.callArrives('c2');
    expect(office.waitingIds()).toEqual(['c2']);
    expect(offered(office.advance(30_000))).toEqual(['c2->ann']);
  });

  it('given wrapUpSeconds 0 when a call ends then the receptionist is available at once', () => {
    const { office } = connected(0);
    office.callerHangsUp('c1');
    expect(office.receptionist('ann')).toMatchObject({ presence: { kind: 'available' }, idleSince: office.now });
  });

  it('given a caller waiting on hold when they hang up then the call ends abandoned with their wait', () => {
    const office = new Office().givenReceptionists({ ann: 0 });
    office.callArrives('c1');
    office.advance(1_000);
    office.callArrives('c2');
    office.advance(7_000);
    const commands = office.callerHangsUp('c2');

    expect(office.timeline('c2').at(-1)).toEqual({ kind: 'ended', callId: 'c2', at: 8_000, outcome: 'abandoned', waitMs: 7_000, endedBy: 'caller' });
    expect(ofType(commands, 'hangup-leg')).toEqual([]);
    expect(office.waitingIds()).toEqual([]);
    expect(office.call('c2')).toBeUndefined();
  });

  it('given a caller ringing a receptionist when they hang up then the leg is hung up at once and the receptionist keeps their place', () => {
    const office = new Office().givenReceptionists({ ann: 1_000, bob: 2_000 }, { ringTimeoutSeconds: 30 });
    office.advanceTo(5_000);
    office.callArrives('c1');
    const offerId = office.ringingOffer('ann');
    office.advance(3_000);

    const commands = office.callerHangsUp('c1');

    expect(commands[0]).toEqual({ type: 'hangup-leg', callId: 'c1', offerId });
    expect(office.receptionist('ann')).toMatchObject({ presence: { kind: 'available' }, idleSince: 1_000, missedInRow: 0 });
    expect(office.timeline('c1').filter((e) => e.kind === 'offer-ended' || e.kind === 'ended')).toEqual([
      { kind: 'offer-ended', callId: 'c1', at: 8_000, offerId, receptionistId: 'ann', outcome: 'cancelled' },
      { kind: 'ended', callId: 'c1', at: 8_000, outcome: 'abandoned', waitMs: 3_000, endedBy: 'caller' },
    ]);
    expect(office.timers.has(`ring|${offerId}`)).toBe(false);
    // ann is still first in the idle line
    expect(offered(office.callArrives('c2'))).toEqual(['c2->ann']);
  });

  it('given a caller ringing the only receptionist while others wait when they hang up then the receptionist is offered the next caller', () => {
    const office = new Office().givenReceptionists({ ann: 0 });
    office.callArrives('c1');
    office.callArrives('c2');
    const commands = office.callerHangsUp('c1');
    expect(offered(commands)).toEqual(['c2->ann']);
  });

  it('given an unknown or finished call when the caller leaves then nothing happens', () => {
    const office = new Office().givenReceptionists({ ann: 0 });
    expect(office.callerHangsUp('ghost')).toEqual([]);
    expect(office.legEnds('ghost-offer', 'hangup')).toEqual([]);
  });

  it('given the same call reported arriving twice then the second report is ignored', () => {
    const office = new Office().givenReceptionists({ ann: 0, bob: 1 });
    office.callArrives('c1');
    expect(office.callArrives('c1')).toEqual([]);
    expect(office.ringing()).toEqual({ c1: 'ann' });
  });

  it('given an arrival time from the PBX then the wait is measured from it', () => {
    const office = new Office(10_000).givenReceptionists({ ann: 10_000 });
    office.client = clientProfile();
    office.callArrives('c1', { arrivedAt: 9_500 });
    office.advance(500);
    office.pickUp('ann');
    expect(office.timeline('c1').find((e) => e.kind === 'answered')).toMatchObject({ waitMs: 1_000 });
  });
});
