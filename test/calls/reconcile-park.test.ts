import { describe, expect, it } from 'vitest';
import type { PbxChannel } from '../../src/ports/call-control';
import { reconcile } from '../../src/calls/reconcile';
import { waitingCallSnapshot } from '../support/snapshots';
import { Office, clientProfile, ofType } from '../unit/support/office';

const now = 1_000_000;
const caller: PbxChannel = {
  id: 'c1',
  name: 'PJSIP/trunk-00000001',
  state: 'Up',
  callerName: 'A',
  callerNumber: '1',
  appName: 'Stasis',
  appData: 'switchboard,inbound,5035550100',
  createdAt: now - 60_000,
};
const parkedAt = now - 30_000;
const parked = waitingCallSnapshot('c1', now - 60_000, { phase: 'parked', onHold: true, answeredAt: now - 50_000, park: { slot: '703', byReceptionistId: 'rx1', at: parkedAt } });

describe('a parked call across a restart', () => {
  it('given a caller parked 30 s ago when Switchboard restarts then they stay parked in their slot, the park timer runs for what was left, and nobody queues them', () => {
    const plan = reconcile({ app: 'switchboard', now, receptionists: [], receptionistIds: ['rx1'], calls: [parked], channels: [caller], bridges: [{ id: 'sb-call-c1', channelIds: ['c1'] }] });
    expect(plan.calls).toMatchObject([{ id: 'c1', phase: 'parked', park: { slot: '703' } }]);
    expect(plan.hangupChannels).toEqual([]);
    expect(plan.destroyBridges).toEqual([]);

    const o = new Office(now, { park: { slots: ['701', '702', '703'], timeoutSeconds: 45 } });
    const out = o.restore({ receptionists: [], calls: [{ snapshot: plan.calls[0]!, client: clientProfile() }] });
    expect(o.sb.parked()).toMatchObject([{ slot: '703', callId: 'c1', parkedBy: 'rx1', since: parkedAt }]);
    expect(o.sb.waiting()).toEqual([]);
    expect(ofType(out, 'start-timer')).toContainEqual({ type: 'start-timer', key: 'park|c1', ms: 15_000 });
  });

  it('given the parked caller hung up while Switchboard was away then the call is recorded completed, not abandoned', () => {
    const plan = reconcile({ app: 'switchboard', now, receptionists: [], receptionistIds: ['rx1'], calls: [parked], channels: [], bridges: [] });
    expect(plan.log).toMatchObject([{ kind: 'ended', callId: 'c1', outcome: 'completed' }]);
  });
});
