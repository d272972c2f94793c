import { describe, expect, it } from 'vitest';
import { Office, offered } from '../unit/support/office';

describe('Switchboard: a receptionist whose phone becomes unreachable', () => {
  it('given ann is next in line when her phone goes unreachable then she is never offered, and when it comes back she is first again', () => {
    const office = new Office().givenReceptionists({ ann: 1_000, bob: 2_000, cat: 3_000 });

    office.reachability('ann', false);
    expect(offered(office.callArrives('c1'))).toEqual(['c1->bob']);
    expect(offered(office.callArrives('c2'))).toEqual(['c2->cat']);
    office.pickUp('bob');
    office.pickUp('cat');
    expect(offered(office.callArrives('c3'))).toEqual([]); // ann is free but unreachable: c3 waits
    expect(office.waitingIds()).toEqual(['c3']);
    const meanwhile = office.advance(60_000);
    expect(offered(meanwhile)).toEqual([]);
    expect(office.waitingIds()).toEqual(['c3']);

    const back = office.reachability('ann', true);
    expect(offered(back)).toEqual(['c3->ann']);
    // She kept her place: same presence and idle-since as before she went away.
    expect(office.receptionist('ann')).toMatchObject({ reachable: true, idleSince: 1_000 });
  });

  it('given ann unreachable while idle when she comes back with nobody waiting then she is still the longest idle', () => {
    const office = new Office().givenReceptionists({ ann: 1_000, bob: 2_000 });
    office.reachability('ann', false);
    office.advance(30_000);
    expect(offered(office.reachability('ann', true))).toEqual([]);
    expect(office.receptionist('ann')).toMatchObject({ reachable: true, presence: { kind: 'available' }, idleSince: 1_000 });
    expect(offered(office.callArrives('c1'))).toEqual(['c1->ann']);
  });
});
