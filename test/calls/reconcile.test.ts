import { describe, expect, it } from 'vitest';
import type { CallSnapshot } from '../../src/domain/messages';
import type { PbxChannel } from '../../src/ports/call-control';
import { reconcile } from '../../src/calls/reconcile';
import { pbxChannel, waitingCallSnapshot } from '../support/snapshots';

const now = 1_000_000;
const channel = (id: string, over: Partial<PbxChannel> = {}): PbxChannel => pbxChannel(id, now - 10_000, over);
const call = (id: string, over: Partial<CallSnapshot> = {}): CallSnapshot =>
  waitingCallSnapshot(id, now - 10_000, { caller: { name: 'A', number: '1' }, ...over });
const base = { app: 'switchboard', now, receptionists: [], receptionistIds: ['rx1', 'rx-2'] };

describe('reconcile with Asterisk after a restart', () => {
  it('given a connected call whose both legs are still bridged then it stays connected and nothing is hung up', () => {
    const offer = 'sb-offer-rx1-abc';
    const plan = reconcile({
      ...base,
      calls: [call('c1', { phase: 'connected', offer: { offerId: offer, receptionistId: 'rx1', startedAt: now - 5000, answered: true }, receptionistId: 'rx1', answeredAt: now - 4000 })],
      channels: [channel('c1'), channel(offer, { appData: 'switchboard,offer,c1,rx1' })],
      bridges: [{ id: 'sb-call-c1', channelIds: ['c1', offer] }],
    });
    expect(plan.calls).toHaveLength(1);
    expect(plan.calls[0].phase).toBe('connected');
    expect(plan.hangupChannels).toEqual([]);
    expect(plan.destroyBridges).toEqual([]);
    expect(plan.connectNow).toEqual([]);
  });

  it('given a caller waiting while an offer was ringing then the half-made offer is hung up and the caller keeps their place', () => {
    const offer = 'sb-offer-rx1-abc';
    const plan = reconcile({
      ...base,
      calls: [call('c1', { phase: 'offering', offer: { offerId: offer, receptionistId: 'rx1', startedAt: now - 1000, answered: false } })],
      channels: [channel('c1'), channel(offer, { state: 'Ringing' })],
      bridges: [{ id: 'sb-call-c1', channelIds: ['c1'] }],
    });
    expect(plan.hangupChannels).toEqual([offer]);
    expect(plan.calls[0]).toMatchObject({ phase: 'waiting', offer: null, enqueuedAt: now - 10_000 });
  });

  it('given an offer answered during the outage then it is bridged now', () => {
    const offer = 'sb-offer-rx1-abc';
    const plan = reconcile({
      ...base,
      calls: [call('c1', { phase: 'offering', offer: { offerId: offer, receptionistId: 'rx1', startedAt: now - 1000, answered: false } })],
      channels: [channel('c1'), channel(offer, { state: 'Up' })],
      bridges: [{ id: 'sb-call-c1', channelIds: ['c1'] }],
    });
    expect(plan.connectNow).toEqual([{ callId: 'c1', offerId: offer }]);
    expect(plan.calls[0]).toMatchObject({ phase: 'connected', receptionistId: 'rx1' });
  });

  it('given a caller who hung up during the outage then the call is logged as abandoned and its bridge destroyed', () => {
    const plan = reconcile({ ...base, calls: [call('c1')], channels: [], bridges: [{ id: 'sb-call-c1', channelIds: [] }] });
    expect(plan.calls).toEqual([]);
    expect(plan.log).toEqual([expect.objectContaining({ kind: 'ended', callId: 'c1', outcome: 'abandoned' })]);
    expect(plan.destroyBridges).toEqual(['sb-call-c1']);
  });

  it('given a connected call whose receptionist leg is gone then the caller leg ends too', () => {
    const plan = reconcile({
      ...base,
      calls: [call('c1', { phase: 'connected', offer: { offerId: 'sb-offer-rx1-z', receptionistId: 'rx1', startedAt: 0, answered: true }, receptionistId: 'rx1', answeredAt: now - 1 })],
      channels: [channel('c1')],
      bridges: [{ id: 'sb-call-c1', channelIds: ['c1'] }],
    });
    expect(plan.hangupChannels).toEqual(['c1']);
    expect(plan.log[0]).toMatchObject({ outcome: 'completed', endedBy: 'receptionist' });
  });

  it('given the state store was lost then callers are rebuilt from Asterisk: bridged ones stay with their receptionist, others queue by arrival', () => {
    const offer = 'sb-offer-rx-2-q1';
    const plan = reconcile({
      ...base,
      calls: [],
      channels: [
        channel('late', { createdAt: now - 1000 }),
        channel('early', { createdAt: now - 9000 }),
        channel('talking', { createdAt: now - 20_000 }),
        channel(offer),
        channel('not-ours', { appData: 'other-app,inbound,1' }),
      ],
      bridges: [{ id: 'sb-call-talking', channelIds: ['talking', offer] }],
    });
    expect(plan.calls).toEqual([expect.objectContaining({ id: 'talking', phase: 'connected', receptionistId: 'rx-2' })]);
    expect(plan.unknownCallers.map((u) => u.channel.id)).toEqual(['early', 'late']);
    expect(plan.hangupChannels).toEqual([]);
  });

  it('given a stray offer leg nobody knows then it is hung up', () => {
    const plan = reconcile({ ...base, calls: [], channels: [channel('sb-offer-rx1-old', { state: 'Ringing' })], bridges: [] });
    expect(plan.hangupChannels).toEqual(['sb-offer-rx1-old']);
  });
});
