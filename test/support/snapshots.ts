import type { CallSnapshot } from '../../src/domain/messages';

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
