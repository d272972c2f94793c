import type { EndpointReachability, ReachabilityReason } from '../../ports/pbx-admin';
import type { AmiEvent, DeviceState } from './ami-protocol';

/** One endpoint as PJSIPShowEndpoints / PJSIPShowContacts describe it. */
export interface EndpointSweepRow {
  endpoint: string;
  deviceState: DeviceState | null;
  /** Contact URI -> contact status (`Reachable`, `Unreachable`, `NonQualified`, ...). */
  contacts: Map<string, string>;
}

interface Known {
  contacts: Map<string, string>;
  /** Latest device state; an UNAVAILABLE is cleared by a contact turning reachable (fresher news). */
  deviceState: DeviceState | null;
  lastRemoved: boolean;
  reported: EndpointReachability | null;
}

const UNUSABLE_CONTACT = new Set(['unreachable', 'removed']);
const UNAVAILABLE_DEVICE = new Set<DeviceState>(['UNAVAILABLE', 'INVALID']);

/**
 * Pure: folds AMI facts about PJSIP endpoints into "reachable or not, and why" per endpoint,
 * returning only what changed. Sources: ContactStatus (qualify results and registrations),
 * DeviceStateChange (UNAVAILABLE when no contact is reachable), PeerStatus, and a sweep on
 * every (re)connect for what happened while we were away.
 */
export class ReachabilityTracker {
  private readonly known = new Map<string, Known>();

  current(endpoint: string): EndpointReachability | undefined {
    return this.known.get(endpoint)?.reported ?? undefined;
  }

  /** Applies one event; returns the changes it caused (zero or one). */
  apply(event: AmiEvent): EndpointReachability[] {
    switch (event.type) {
      case 'ContactStatus': {
        const k = this.entry(`PJSIP/${event.endpointName}`);
        const status = event.contactStatus.toLowerCase();
        if (status === 'removed') {
          k.contacts.delete(event.uri);
          k.lastRemoved = true;
        } else {
          k.contacts.set(event.uri, event.contactStatus);
          if (!UNUSABLE_CONTACT.has(status) && k.deviceState && UNAVAILABLE_DEVICE.has(k.deviceState)) k.deviceState = null;
        }
        return this.report(`PJSIP/${event.endpointName}`);
      }
      case 'DeviceStateChange': {
        if (!isPjsipEndpoint(event.device)) return [];
        this.entry(event.device).deviceState = event.state;
        return this.report(event.device);
      }
      case 'PeerStatus': {
        if (!isPjsipEndpoint(event.peer)) return [];
        const k = this.entry(event.peer);
        const s = event.peerStatus.toLowerCase();
        if (s === 'unreachable') k.deviceState = 'UNAVAILABLE';
        else if (s === 'reachable' && k.deviceState === 'UNAVAILABLE') k.deviceState = null;
        return this.report(event.peer);
      }
      default:
        return [];
    }
  }

  /** Replaces what is known with a full sweep; endpoints missing from it no longer exist. */
  applySweep(rows: EndpointSweepRow[]): EndpointReachability[] {
    const changes: EndpointReachability[] = [];
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.endpoint);
      const k = this.entry(row.endpoint);
      k.contacts = new Map(row.contacts);
      k.deviceState = row.deviceState;
      k.lastRemoved = false;
      changes.push(...this.report(row.endpoint));
    }
    for (const [endpoint, k] of this.known) {
      if (seen.has(endpoint)) continue;
      const gone: EndpointReachability = { endpoint, reachable: false, reason: 'no-such-endpoint' };
      if (k.reported?.reachable !== false || k.reported.reason !== gone.reason) changes.push(gone);
      this.known.delete(endpoint);
    }
    return changes;
  }

  private entry(endpoint: string): Known {
    let k = this.known.get(endpoint);
    if (!k) {
      k = { contacts: new Map(), deviceState: null, lastRemoved: false, reported: null };
      this.known.set(endpoint, k);
    }
    return k;
  }

  private report(endpoint: string): EndpointReachability[] {
    const k = this.known.get(endpoint)!;
    const next = { endpoint, ...derive(k) };
    const prev = k.reported;
    k.reported = next;
    // A new reason with the same verdict is worth telling only when unreachable (why matters).
    if (prev && prev.reachable === next.reachable && (next.reachable || prev.reason === next.reason)) {
      k.reported = prev;
      return [];
    }
    return [next];
  }
}

function derive(k: Known): { reachable: boolean; reason: ReachabilityReason } {
  const statuses = [...k.contacts.values()].map((s) => s.toLowerCase());
  const usable = statuses.filter((s) => !UNUSABLE_CONTACT.has(s));
  if (k.deviceState && UNAVAILABLE_DEVICE.has(k.deviceState)) {
    if (statuses.length > 0 && usable.length === 0) return { reachable: false, reason: 'contact-unreachable' };
    if (statuses.length === 0) return { reachable: false, reason: k.lastRemoved ? 'contact-removed' : 'no-contact' };
    return { reachable: false, reason: 'device-unavailable' };
  }
  if (statuses.length > 0) {
    if (usable.length === 0) return { reachable: false, reason: 'contact-unreachable' };
    if (usable.includes('reachable') || usable.includes('created') || usable.includes('updated')) return { reachable: true, reason: 'contact-reachable' };
    return { reachable: true, reason: 'contact-not-qualified' };
  }
  if (k.lastRemoved) return { reachable: false, reason: 'contact-removed' };
  return { reachable: true, reason: 'device-available' };
}

/** `PJSIP/rx1`, not a channel (`PJSIP/rx1-00000036`) nor another technology. */
function isPjsipEndpoint(device: string): boolean {
  return /^PJSIP\/[^/]+$/.test(device) && !/-[0-9a-f]{8}$/.test(device);
}

/** PJSIPShowEndpoints' `Contacts: rx1/sip:rx1@10.0.0.5:5060,` -> contact URIs. */
export function parseEndpointListContacts(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (s.includes('/') ? s.slice(s.indexOf('/') + 1) : s));
}
