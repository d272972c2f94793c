import { describe, expect, it } from 'vitest';
import { MISSED_CALLS_PAUSE_REASON } from '../../src/domain/model';
import { UNREACHABLE_RETRY_MS } from '../../src/domain/switchboard';
import { Office, offered, ofType, originates } from './support/office';

describe('offers that are not answered', () => {
  it('given an offer ringing when ringTimeoutSeconds pass then the leg is hung up and the caller goes to the next longest-idle receptionist', () => {
    const office = new Office().givenReceptionists({ ann: 1_000, bob: 2_000, cat: 3_000 }, { ringTimeoutSeconds: 20 });
    office.callArrives('c1');
    const first = office.ringingOffer('ann');

    expect(office.advance(19_999)).toEqual([]);
    const commands = office.advance(1);

    expect(commands[0]).toEqual({ type: 'hangup-leg', callId: 'c1', offerId: first });
    expect(offered(commands)).toEqual(['c1->bob']);
    expect(office.timeline('c1').filter((e) => e.kind === 'offer-ended')).toEqual([
      { kind: 'offer-ended', callId: 'c1', at: office.now, offerId: first, receptionistId: 'ann', outcome: 'no-answer' },
    ]);
    expect(office.presenceOf('ann')).toBe('available');
  });

  it('given a receptionist missed an offer then they go to the back of the idle line', () => {
    const office = new Office().givenReceptionists({ ann: 1_000, bob: 2_000, cat: 3_000 }, { ringTimeoutSeconds: 20 });
    office.callArrives('c1');
    office.advance(20_000); // ann misses; bob rings
    expect(office.receptionist('ann').idleSince).toBe(office.now);

    expect(offered(office.callArrives('c2'))).toEqual(['c2->cat']);
    expect(offered(office.callArrives('c3'))).toEqual(['c3->ann']);
  });

  it('given the only receptionist misses then the caller is offered to them again, and the late PBX leg-ended for the old leg changes nothing', () => {
    const office = new Office().givenReceptionists({ ann: 0 }, { ringTimeoutSeconds: 10 });
    office.callArrives('c1');
    const first = office.ringingOffer('ann');
    office.advance(10_000);
    const second = office.ringingOffer('ann');
    expect(second).not.toBe(first);

    expect(office.legEnds(first, 'no-answer')).toEqual([]);
    expect(office.ringingOffer('ann')).toBe(second);
    expect(office.receptionist('ann').missedInRow).toBe(1);
  });

  it('given maxMissedOffers misses in a row then the receptionist is paused with reason missed-calls', () => {
    const office = new Office().givenReceptionists({ ann: 0, bob: 1 }, { ringTimeoutSeconds: 10, maxMissedOffers: 2 });
    office.setPresence('bob', { kind: 'paused', reason: 'lunch' });
    office.callArrives('c1');
    office.advance(10_000);
    expect(office.receptionist('ann').missedInRow).toBe(1);
    expect(office.presenceOf('ann')).toBe('ringing');

    office.advance(10_000);

    expect(office.receptionist('ann').presence).toEqual({ kind: 'paused', reason: MISSED_CALLS_PAUSE_REASON });
    expect(office.receptionist('ann').missedInRow).toBe(0);
    expect(office.call('c1')).toMatchObject({ phase: 'waiting', onHold: true });
    expect(ofType(office.last, 'hold-caller')).toEqual([{ type: 'hold-caller', callId: 'c1', mohClass: 'acme-moh' }]);
  });

  it('given a receptionist missed once when they answer the next offer then the count of misses starts over', () => {
    const office = new Office().givenReceptionists({ ann: 0 }, { ringTimeoutSeconds: 10, maxMissedOffers: 2, wrapUpSeconds: 0 });
    office.callArrives('c1');
    office.advance(10_000);
    office.pickUp('ann');
    expect(office.receptionist('ann').missedInRow).toBe(0);
    office.receptionistHangsUp('c1');

    office.callArrives('c2');
    office.advance(10_000);
    expect(office.presenceOf('ann')).toBe('ringing'); // one miss, not two in a row
    expect(office.receptionist('ann').missedInRow).toBe(1);
  });

  it('given a busy phone then it counts as a miss: the caller moves on and the receptionist goes to the back', () => {
    const office = new Office().givenReceptionists({ ann: 1_000, bob: 2_000 }, { maxMissedOffers: 2 });
    office.advance(1_000);
    office.callArrives('c1');
    const commands = office.legEnds(office.ringingOffer('ann'), 'busy');

    expect(offered(commands)).toEqual(['c1->bob']);
    expect(ofType(commands, 'hangup-leg')).toEqual([]); // the leg is already gone
    expect(office.timeline('c1').find((e) => e.kind === 'offer-ended')).toMatchObject({ receptionistId: 'ann', outcome: 'busy' });
    expect(office.receptionist('ann')).toMatchObject({ missedInRow: 1, idleSince: office.now, presence: { kind: 'available' } });
    expect(office.timers.has(`ring|offer-ann-1`)).toBe(false);
  });

  it('given an unreachable phone then it is not offered again until UNREACHABLE_RETRY_MS has passed', () => {
    const office = new Office().givenReceptionists({ ann: 1_000, bob: 2_000 }, { wrapUpSeconds: 0, ringTimeoutSeconds: 600 });
    office.callArrives('c1');
    office.legEnds(office.ringingOffer('ann'), 'unreachable');
    expect(office.ringing()).toEqual({ c1: 'bob' });
    expect(office.receptionist('ann')).toMatchObject({ reachable: false, missedInRow: 0, presence: { kind: 'available' }, idleSince: 1_000 });

    expect(originates(office.callArrives('c2'))).toEqual([]);
    office.advance(UNREACHABLE_RETRY_MS - 1);
    expect(office.waitingIds()).toEqual(['c2']);

    const commands = office.advance(1);
    expect(office.receptionist('ann').reachable).toBe(true);
    expect(offered(commands)).toEqual(['c2->ann']);
  });

  it('given an unreachable phone when the PBX reports it reachable again then it is offered at once and the retry timer is cancelled', () => {
    const office = new Office().givenReceptionists({ ann: 0 });
    office.callArrives('c1');
    office.legEnds(office.ringingOffer('ann'), 'unreachable');
    expect(office.waitingIds()).toEqual(['c1']);

    const commands = office.reachability('ann', true);

    expect(commands).toContainEqual({ type: 'cancel-timer', key: 'reach|ann' });
    expect(offered(commands)).toEqual(['c1->ann']);
  });

  it('given the PBX reports a phone unreachable then it is not offered until reported reachable', () => {
    const office = new Office().givenReceptionists({ ann: 0, bob: 1 });
    office.reachability('ann', false);
    expect(offered(office.callArrives('c1'))).toEqual(['c1->bob']);
    expect(originates(office.callArrives('c2'))).toEqual([]);
    expect(offered(office.reachability('ann', true))).toEqual(['c2->ann']);
  });

  it('given a leg that failed or was rejected before answer then it counts as a failed offer and the caller moves on', () => {
    const office = new Office().givenReceptionists({ ann: 0, bob: 1 });
    office.advance(1_000);
    office.callArrives('c1');
    const commands = office.legEnds(office.ringingOffer('ann'), 'hangup');
    expect(offered(commands)).toEqual(['c1->bob']);
    expect(office.timeline('c1').find((e) => e.kind === 'offer-ended')).toMatchObject({ outcome: 'failed' });
    expect(office.receptionist('ann').missedInRow).toBe(1);
  });
});

describe('who may be offered a call', () => {
  it('never offers a receptionist who is logged out, paused, ringing, on a call, in wrap-up or unreachable', () => {
    const office = new Office().givenReceptionists(
      { ringing: 1, oncall: 2, wrapup: 3, paused: 4, unreach: 5, free: 6 },
      { wrapUpSeconds: 60 },
    );
    office.hire(['loggedout']);
    // oncall answers a call, then wrapup gets one and finishes it; ringing gets one and rings.
    office.callArrives('x1'); // -> ringing (idle since 1)
    office.callArrives('x2'); // -> oncall
    office.pickUp('oncall');
    office.callArrives('x3'); // -> wrapup
    office.pickUp('wrapup');
    office.callerHangsUp('x3');
    office.setPresence('paused', { kind: 'paused', reason: 'training' });
    office.reachability('unreach', false);
    expect(Object.fromEntries(office.sb.listReceptionists().map((r) => [r.id, r.presence.kind + (r.reachable ? '' : '/unreachable')]))).toEqual({
      ringing: 'ringing',
      oncall: 'on-call',
      wrapup: 'wrap-up',
      paused: 'paused',
      unreach: 'available/unreachable',
      free: 'available',
      loggedout: 'logged-out',
    });

    expect(offered(office.callArrives('c1'))).toEqual(['c1->free']);
    const commands = office.callArrives('c2');
    expect(originates(commands)).toEqual([]);
    expect(office.waitingIds()).toEqual(['c2']);
  });
});
