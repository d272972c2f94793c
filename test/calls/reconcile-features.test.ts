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
const transferred = (answered: boolean): CallSnapshot =>
  waitingCallSnapshot('c1', now - 10_000, {
    phase: 'connected',
    answeredAt: now - 8000,
    transfer: { channelId: xfer, destination: '+15035557777', answered, fromReceptionistId: 'rx1' },
  });

describe('reconcile: calls that feature codes changed', () => {
  it('given a caller transferred and bridged with the destination then both stay up and the call is restored as transferred', () => {
    const plan = reconcile({
      ...base,
      calls: [transferred(true)],
      channels: [channel('c1'), channel(xfer, { appData: 'switchboard,transfer,c1' })],
      bridges: [{ id: 'sb-call-c1', channelIds: ['c1', xfer] }],
    });
    expect(plan.hangupChannels).toEqual([]);
    expect(plan.unknownCallers).toEqual([]);
    expect(plan.calls[0]).toMatchObject({ id: 'c1', phase: 'connected', transfer: { channelId: xfer, answered: true } });

    // Restored: either side hanging up later ends the other, completed.
    const o = new Office(now);
    o.restore({ receptionists: [], calls: [{ snapshot: plan.calls[0], client: clientProfile() }] });
    o.callerHangsUp('c1');
    expect(ofType(o.last, 'hangup-transfer')).toEqual([{ type: 'hangup-transfer', callId: 'c1', channelId: xfer }]);
    expect(o.timeline('c1').at(-1)).toMatchObject({ kind: 'ended', outcome: 'completed' });
  });

  it('given a transfer still ringing then its leg is hung up and the caller waits in line again, never dropped', () => {
    const plan = reconcile({
      ...base,
      calls: [transferred(false)],
      channels: [channel('c1'), channel(xfer, { state: 'Ringing', appData: '' , appName: '' })],
      bridges: [{ id: 'sb-call-c1', channelIds: ['c1'] }],
    });
    expect(plan.hangupChannels).toEqual([xfer]);
    expect(plan.calls[0]).toMatchObject({ phase: 'waiting', offer: null, receptionistId: null });
    expect(plan.calls[0].transfer).toBeUndefined();
    expect(plan.log).toEqual([]);
  });

  it('given a caller on hold by the receptionist then the call stays connected and the caller is not pulled back into the bridge', () => {
    const offer = 'sb-offer-rx1-abc';
    const held = waitingCallSnapshot('c1', now - 10_000, {
      phase: 'connected',
      offer: { offerId: offer, receptionistId: 'rx1', startedAt: now - 5000, answered: true },
      receptionistId: 'rx1',
      answeredAt: now - 4000,
      heldByReceptionist: true,
    });
    const plan = reconcile({
      ...base,
      calls: [held],
      channels: [channel('c1'), channel(offer, { appData: 'switchboard,offer,c1,rx1' })],
      bridges: [{ id: 'sb-call-c1', channelIds: [offer] }],
    });
    expect(plan.connectNow).toEqual([]);
    expect(plan.calls[0]).toMatchObject({ phase: 'connected', heldByReceptionist: true });
  });
});
