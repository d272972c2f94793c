import { describe, expect, it } from 'vitest';
import type { CallSnapshot } from '../../src/domain/messages';
import type { PbxChannel } from '../../src/ports/call-control';
import { reconcile } from '../../src/calls/reconcile';
import { pbxChannel, waitingCallSnapshot } from '../support/snapshots';
import { Office, clientProfile, ofType } from '../unit/support/office';

const now = 1_000_000;
const channel = (id: string, over: Partial<PbxChannel> = {}): PbxChannel => pbxChannel(id, now - 10_000, over);
const base = { app: 'switchboard', now, receptionists: [], receptionistIds: ['rx1'] };
const xfer = 'sb-xfer-c1-0';
const offer = 'sb-offer-rx1-abc';
const consulting = (over: { answered?: boolean; threeWay?: boolean } = {}): CallSnapshot =>
  waitingCallSnapshot('c1', now - 10_000, {
    phase: 'connected',
    offer: { offerId: offer, receptionistId: 'rx1', startedAt: now - 9000, answered: true },
    receptionistId: 'rx1',
    answeredAt: now - 8000,
    transfer: { channelId: xfer, destination: '+15035557777', answered: over.answered ?? true, fromReceptionistId: 'rx1', mode: 'announced', contactCode: '1', ...(over.threeWay ? { threeWay: true } : {}) },
  });

describe('reconcile: an announced transfer when Switchboard restarts', () => {
  it('given a consultation with the receptionist leg up then the contact leg is hung up, the consultation bridge destroyed, and the receptionist is back with the caller', () => {
    const plan = reconcile({
      ...base,
      calls: [consulting()],
      channels: [channel('c1'), channel(offer, { appData: 'switchboard,offer,c1,rx1' }), channel(xfer, { appData: 'switchboard,transfer,c1' })],
      bridges: [
        { id: 'sb-call-c1', channelIds: ['c1'] },
        { id: 'sb-consult-c1', channelIds: [offer, xfer] },
      ],
    });
    expect(plan.hangupChannels).toEqual([xfer]);
    expect(plan.destroyBridges).toEqual(['sb-consult-c1']);
    expect(plan.consultReturn).toEqual([{ callId: 'c1', offerId: offer }]);
    expect(plan.connectNow).toEqual([]);
    expect(plan.calls[0]).toMatchObject({ phase: 'connected', receptionistId: 'rx1' });
    expect(plan.calls[0].transfer).toBeUndefined();

    const o = new Office(now);
    o.hire(['rx1']);
    o.restore({ receptionists: [], calls: [{ snapshot: plan.calls[0], client: clientProfile() }] });
    expect(o.presenceOf('rx1')).toBe('on-call');
    o.callerHangsUp('c1');
    expect(ofType(o.last, 'hangup-leg')).toEqual([{ type: 'hangup-leg', callId: 'c1', offerId: offer }]);
  });

  it('given a consultation whose receptionist leg is gone then the contact leg is hung up and the caller waits in line again', () => {
    const plan = reconcile({
      ...base,
      calls: [consulting({ answered: false })],
      channels: [channel('c1'), channel(xfer, { state: 'Ringing', appName: '', appData: '' })],
      bridges: [{ id: 'sb-call-c1', channelIds: ['c1'] }],
    });
    expect(plan.hangupChannels).toEqual([xfer]);
    expect(plan.calls[0]).toMatchObject({ phase: 'waiting', offer: null, receptionistId: null });
    expect(plan.calls[0].transfer).toBeUndefined();
  });

  it('given a three-way call with all three legs up then it goes on untouched', () => {
    const plan = reconcile({
      ...base,
      calls: [consulting({ threeWay: true })],
      channels: [channel('c1'), channel(offer, { appData: 'switchboard,offer,c1,rx1' }), channel(xfer, { appData: 'switchboard,transfer,c1' })],
      bridges: [{ id: 'sb-call-c1', channelIds: ['c1', offer, xfer] }],
    });
    expect(plan.hangupChannels).toEqual([]);
    expect(plan.consultReturn).toEqual([]);
    expect(plan.calls[0].transfer).toMatchObject({ mode: 'announced', threeWay: true });
  });

  it('given a three-way call the receptionist left meanwhile then caller and contact stay connected as a completed transfer', () => {
    const plan = reconcile({
      ...base,
      calls: [consulting({ threeWay: true })],
      channels: [channel('c1'), channel(xfer, { appData: 'switchboard,transfer,c1' })],
      bridges: [{ id: 'sb-call-c1', channelIds: ['c1', xfer] }],
    });
    expect(plan.hangupChannels).toEqual([]);
    expect(plan.calls[0]).toMatchObject({ offer: null, receptionistId: null, transfer: { channelId: xfer, answered: true } });
    expect(plan.calls[0].transfer?.mode).toBeUndefined();
  });
});
