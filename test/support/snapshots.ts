import type { CallSnapshot } from '../../src/domain/messages';
import type { PbxChannel } from '../../src/ports/call-control';

/** A waiting caller's stored snapshot, as Redis holds it; override what a test cares about. */
export function waitingCallSnapshot(id: string, enqueuedAt: number, over: Partial<CallSnapshot> = {}): CallSnapshot {
  return {
    id,
    clientId: 'acme',
    did: '5035550100',
    caller: { name: id, number: '5035551234' },
    knownNumber: true,
    arrivedAt: enqueuedAt,
    enqueuedAt,
    priorityTier: 0,
    phase: 'waiting',
    offer: null,
    receptionistId: null,
    answeredAt: null,
    onHold: true,
    ...over,
  };
}

/** A channel as `GET /channels` lists it: a trunk caller in our Stasis app, created `createdAt`. */
export function pbxChannel(id: string, createdAt: number, over: Partial<PbxChannel> = {}): PbxChannel {
  return {
    id,
    name: `PJSIP/x-${id}`,
    state: 'Up',
    callerName: 'A',
    callerNumber: '1',
    appName: 'Stasis',
    appData: 'switchboard,inbound,5035550100',
    createdAt,
    ...over,
  };
}
