import type { CallId, OfferId, ReceptionistId, ReceptionistProfile } from './model';

export type Presence =
  | { kind: 'logged-out' }
  | { kind: 'available' }
  | { kind: 'ringing'; callId: CallId; offerId: OfferId }
  | { kind: 'on-call'; callId: CallId }
  | { kind: 'wrap-up'; callId: CallId; until: number }
  | { kind: 'paused'; reason: string };

export type PresenceKind = Presence['kind'];

/** What the receptionist asked to become once the call in hand is over. */
export type PendingPresence = { kind: 'paused'; reason: string } | { kind: 'logged-out' } | null;

/** What changes as a receptionist works: shared by the live record and its snapshot. */
export interface ReceptionistState {
  presence: Presence;
  /** When they last became available (login, end of wrap-up, end of a pause): the routing key. */
  idleSince: number;
  /** When the presence last changed, for display. */
  presenceSince: number;
  missedInRow: number;
  reachable: boolean;
  pending: PendingPresence;
}

export interface Receptionist extends ReceptionistState {
  profile: ReceptionistProfile;
}

/** What is stored in Redis and shown through the API. */
export interface ReceptionistSnapshot extends ReceptionistState {
  id: ReceptionistId;
  name: string;
}

export function snapshotOf(r: Receptionist): ReceptionistSnapshot {
  return {
    id: r.profile.id,
    name: r.profile.name,
    presence: r.presence,
    idleSince: r.idleSince,
    presenceSince: r.presenceSince,
    missedInRow: r.missedInRow,
    reachable: r.reachable,
    pending: r.pending,
  };
}

/** Can this receptionist's phone be rung now? */
export function isOfferable(r: Receptionist): boolean {
  return r.presence.kind === 'available' && r.reachable;
}

export function isLoggedIn(r: Receptionist): boolean {
  return r.presence.kind !== 'logged-out';
}

/**
 * The available receptionist idle longest (ties broken by id, so the choice is deterministic).
 * A linear scan: a few hundred receptionists cost microseconds, and no index can go stale.
 */
export function longestIdle(receptionists: Iterable<Receptionist>): Receptionist | undefined {
  let best: Receptionist | undefined;
  for (const r of receptionists) {
    if (!isOfferable(r)) continue;
    if (!best || r.idleSince < best.idleSince || (r.idleSince === best.idleSince && r.profile.id < best.profile.id)) {
      best = r;
    }
  }
  return best;
}
