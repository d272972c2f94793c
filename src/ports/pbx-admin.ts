/**
 * What Switchboard asks of the PBX outside call control (AMI on Asterisk): whether each phone
 * can be reached, configuration reloads, and the app_queue fallback queue's members.
 */

/** Why a phone is (un)reachable, as far as the PBX tells. */
export type ReachabilityReason =
  /** A contact answered its qualify (or the phone just registered). */
  | 'contact-reachable'
  /** Contacts exist but are not qualified, so the PBX cannot tell; treated as reachable. */
  | 'contact-not-qualified'
  /** The device is known and not unavailable; no contact detail was seen. */
  | 'device-available'
  /** Every contact failed its qualify. */
  | 'contact-unreachable'
  /** The last contact was removed (registration expired or phone unregistered). */
  | 'contact-removed'
  /** The endpoint exists but has no contact at all (never registered). */
  | 'no-contact'
  /** The device state is UNAVAILABLE or INVALID. */
  | 'device-unavailable'
  /** The endpoint disappeared from the PBX configuration. */
  | 'no-such-endpoint';

export interface EndpointReachability {
  /** The dial string of the phone, e.g. `PJSIP/rx1` (as `ReceptionistProfile.endpoint`). */
  endpoint: string;
  reachable: boolean;
  reason: ReachabilityReason;
}

export interface PhoneReachability {
  /** Called on every change, and for every endpoint the first time it is learnt (also after a sweep). */
  onReachability(listener: (change: EndpointReachability) => void): () => void;
  /** What is known now; undefined before the first event or sweep about that endpoint. */
  current(endpoint: string): EndpointReachability | undefined;
}

export interface FallbackQueueSyncResult {
  queue: string;
  added: string[];
  removed: string[];
  /** Members configured statically in queues.conf cannot be removed over AMI: they are paused. */
  paused: string[];
  unpaused: string[];
}

export interface PbxAdmin {
  /** Reloads the dialplan (extensions.conf and its includes); resolves to what the PBX said. */
  reloadDialplan(): Promise<string>;
  /** Reloads res_pjsip (endpoints, AORs, auths); resolves to what the PBX said. */
  reloadPjsip(): Promise<string>;
  /**
   * Makes the app_queue fallback queue ring exactly these endpoints (e.g. `PJSIP/rx1`): adds the
   * missing ones, removes (or pauses, when static) the others. Idempotent; call it on every AMI
   * (re)connect and on every login or logout.
   */
  syncFallbackQueue(queue: string, loggedInEndpoints: readonly string[]): Promise<FallbackQueueSyncResult>;
}
