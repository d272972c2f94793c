import { describe, expect, it } from 'vitest';
import type { PbxChannel } from '../../src/ports/call-control';
import { reconcile, type CallbackInProgress } from '../../src/calls/reconcile';

const now = 1_000_000;
const channel = (id: string, over: Partial<PbxChannel> = {}): PbxChannel => ({
  id,
  name: `PJSIP/x-${id}`,
  state: 'Up',
  callerName: '',
  callerNumber: '',
  appName: 'Stasis',
  appData: 'switchboard,callback,cb1,2',
  createdAt: now - 10_000,
  ...over,
});
const offer = 'sb-offer-rx1-abc';
const callee = 'sb-cb-cb1-2';
const bridge = 'sb-call-callback-cb1';
const base = { app: 'switchboard', now, calls: [], receptionists: [], receptionistIds: ['rx1', 'rx-2'] };
const known = (over: Partial<CallbackInProgress> = {}): CallbackInProgress => ({
  callbackId: 'cb1',
  attempt: 2,
  answered: true,
  answeredAt: now - 60_000,
  enqueuedAt: now - 600_000,
  ...over,
});

describe('reconcile callbacks with Asterisk after a restart', () => {
  it('given a connected callback whose receptionist and callee legs are still bridged then it is kept and nothing is hung up or recorded', () => {
    const plan = reconcile({
      ...base,
      callbacks: [known()],
      channels: [channel(offer, { appData: 'switchboard,offer,callback-cb1,rx1' }), channel(callee)],
      bridges: [{ id: bridge, channelIds: [offer, callee] }],
    });
    expect(plan.callbacks).toEqual([
      { callId: 'callback-cb1', callbackId: 'cb1', attempt: 2, offerId: offer, receptionistId: 'rx1', calleeChannelId: callee, connectCallee: false, recordAnswer: false },
    ]);
    expect(plan.hangupChannels).toEqual([]);
    expect(plan.destroyBridges).toEqual([]);
    expect(plan.log).toEqual([]);
    expect(plan.unknownCallers).toEqual([]);
  });

  it('given the state stores were lost (no record) then Asterisk alone keeps a bridged callback and nothing is recorded again', () => {
    const plan = reconcile({
      ...base,
      channels: [channel(offer), channel('sb-cb-cb1-1', { state: 'Up' }), channel(callee)],
      bridges: [{ id: bridge, channelIds: [offer, callee] }],
    });
    expect(plan.callbacks).toMatchObject([{ callbackId: 'cb1', attempt: 2, calleeChannelId: callee, recordAnswer: false }]);
    expect(plan.hangupChannels).toEqual(['sb-cb-cb1-1']); // a leftover of an older attempt
  });

  it('given the callee answered while we were away (not recorded, not in the bridge yet) then it is kept, put in the bridge, and its answer recorded once', () => {
    const plan = reconcile({
      ...base,
      callbacks: [known({ answered: false, answeredAt: null })],
      channels: [channel(offer), channel(callee)],
      bridges: [{ id: bridge, channelIds: [offer] }],
    });
    expect(plan.callbacks).toMatchObject([{ callbackId: 'cb1', connectCallee: true, recordAnswer: true }]);
    expect(plan.hangupChannels).toEqual([]);
  });

  it('given the receptionist is held while the callee still rings then both legs are hung up and the outbox rules decide (nothing kept, nothing recorded here)', () => {
    const plan = reconcile({
      ...base,
      callbacks: [known({ answered: false, answeredAt: null })],
      channels: [channel(offer), channel(callee, { state: 'Ringing' })],
      bridges: [{ id: bridge, channelIds: [offer] }],
    });
    expect(plan.callbacks).toEqual([]);
    expect(plan.hangupChannels.sort()).toEqual([callee, offer].sort());
    expect(plan.destroyBridges).toEqual([bridge]);
    expect(plan.log).toEqual([]);
  });

  it('given the receptionist is held and the callee leg is absent then the receptionist leg is hung up and the bridge destroyed', () => {
    const plan = reconcile({ ...base, callbacks: [known({ answered: false })], channels: [channel(offer)], bridges: [{ id: bridge, channelIds: [offer] }] });
    expect(plan.callbacks).toEqual([]);
    expect(plan.hangupChannels).toEqual([offer]);
    expect(plan.destroyBridges).toEqual([bridge]);
  });

  it('given a connected callback whose callee hung up while we were away then the receptionist leg ends and it is recorded completed, ended by the callee', () => {
    const plan = reconcile({ ...base, callbacks: [known()], channels: [channel(offer)], bridges: [{ id: bridge, channelIds: [offer] }] });
    expect(plan.callbacks).toEqual([]);
    expect(plan.hangupChannels).toEqual([offer]);
    expect(plan.log).toEqual([{ kind: 'ended', callId: 'callback-cb1', at: now, outcome: 'completed', waitMs: 540_000, endedBy: 'caller' }]);
  });

  it('given a connected callback whose receptionist hung up while we were away then the callee leg ends and it is recorded completed, ended by the receptionist', () => {
    const plan = reconcile({ ...base, callbacks: [known()], channels: [channel(callee)], bridges: [{ id: bridge, channelIds: [callee] }] });
    expect(plan.hangupChannels).toEqual([callee]);
    expect(plan.log).toMatchObject([{ callId: 'callback-cb1', outcome: 'completed', endedBy: 'receptionist' }]);
    expect(plan.destroyBridges).toEqual([bridge]);
  });

  it('given the bridge holds the leg of another callback then only the own callee leg of the callback counts: nothing is kept', () => {
    const plan = reconcile({
      ...base,
      callbacks: [known()],
      channels: [channel(offer), channel('sb-cb-cb9-1')],
      bridges: [{ id: bridge, channelIds: [offer, 'sb-cb-cb9-1'] }],
    });
    expect(plan.callbacks).toEqual([]);
    expect(plan.hangupChannels.sort()).toEqual([offer, 'sb-cb-cb9-1'].sort());
  });
});
