/**
 * Pure AMI message rules: which action fields are safe to write, and how a raw message (keys
 * lower-cased, as asterisk-manager hands them over) becomes a typed event. No I/O here.
 */

/** A raw AMI message as asterisk-manager parses it: lower-case keys, repeated keys as arrays. */
export type AmiMessage = Record<string, unknown>;

export type AmiFieldValue = string | number | boolean | undefined;
export type AmiActionFields = { Action: string } & Record<string, AmiFieldValue>;

/** Device states as `DeviceStateChange` spells them (`ast_devstate2str`). */
export type DeviceState = 'UNKNOWN' | 'NOT_INUSE' | 'INUSE' | 'BUSY' | 'INVALID' | 'UNAVAILABLE' | 'RINGING' | 'RINGINUSE' | 'ONHOLD';

export type AmiEvent =
  | { type: 'ContactStatus'; uri: string; contactStatus: string; aor: string; endpointName: string; roundtripUsec: number | null }
  | { type: 'DeviceStateChange'; device: string; state: DeviceState }
  | { type: 'PeerStatus'; channelType: string; peer: string; peerStatus: string }
  | { type: 'QueueMemberStatus'; queue: string; interface: string; membership: string; paused: boolean; status: number }
  | { type: 'FullyBooted' }
  | { type: 'Other'; name: string; fields: Record<string, string> };

const KEY = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * Why this action must not be written, or null when it is safe. AMI is line-based: a CR or LF
 * in a value (a caller-ID name from a trunk, say) would end the header and start another one,
 * so "x\r\nAction: Originate" smuggles in a second action.
 */
export function unsafeActionField(fields: Record<string, AmiFieldValue>): string | null {
  for (const [key, value] of Object.entries(fields)) {
    if (!KEY.test(key)) return `header name ${JSON.stringify(key.slice(0, 40))} is not a plain token`;
    if (key.toLowerCase() === 'actionid') return 'ActionID is chosen by the client';
    if (value === undefined) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return `header ${key} has a ${typeof value} value`;
    if (/[\r\n\0]/.test(String(value))) return `header ${key} contains CR, LF or NUL`;
  }
  return null;
}

/** The first value of a key (asterisk-manager turns repeated keys into arrays). */
export function field(m: AmiMessage, key: string): string | undefined {
  const v = m[key.toLowerCase()];
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
}

/** Every value of a key, in order (e.g. the `Output` lines of a Command response). */
export function fieldAll(m: AmiMessage, key: string): string[] {
  const v = m[key.toLowerCase()];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

const DEVICE_STATES: Record<string, DeviceState> = {
  UNKNOWN: 'UNKNOWN',
  NOT_INUSE: 'NOT_INUSE',
  'NOT IN USE': 'NOT_INUSE',
  INUSE: 'INUSE',
  'IN USE': 'INUSE',
  BUSY: 'BUSY',
  INVALID: 'INVALID',
  UNAVAILABLE: 'UNAVAILABLE',
  RINGING: 'RINGING',
  RINGINUSE: 'RINGINUSE',
  'RING+INUSE': 'RINGINUSE',
  ONHOLD: 'ONHOLD',
  'ON HOLD': 'ONHOLD',
};

/** Both spellings Asterisk uses: `NOT_INUSE` (events) and `Not in use` (PJSIPShowEndpoints). */
export function parseDeviceState(text: string): DeviceState | null {
  return DEVICE_STATES[text.trim().toUpperCase()] ?? null;
}

export class MalformedAmiEvent extends Error {
  constructor(
    readonly eventName: string,
    readonly missing: string,
  ) {
    super(`AMI event ${eventName} without a usable ${missing}`);
    this.name = 'MalformedAmiEvent';
  }
}

/** A typed event, or throws MalformedAmiEvent when a known event lacks what it must carry. */
export function parseAmiEvent(m: AmiMessage): AmiEvent {
  const name = field(m, 'event');
  if (!name) throw new MalformedAmiEvent('(none)', 'Event');
  const need = (key: string): string => {
    const v = field(m, key);
    if (v === undefined || v === '') throw new MalformedAmiEvent(name, key);
    return v;
  };
  switch (name) {
    case 'ContactStatus': {
      const rtt = Number(field(m, 'roundtripusec'));
      return {
        type: 'ContactStatus',
        uri: need('uri'),
        contactStatus: need('contactstatus'),
        aor: field(m, 'aor') ?? '',
        endpointName: need('endpointname'),
        roundtripUsec: Number.isFinite(rtt) && field(m, 'roundtripusec') !== undefined ? rtt : null,
      };
    }
    case 'DeviceStateChange': {
      const state = parseDeviceState(need('state'));
      if (!state) throw new MalformedAmiEvent(name, 'State');
      return { type: 'DeviceStateChange', device: need('device'), state };
    }
    case 'PeerStatus':
      return { type: 'PeerStatus', channelType: field(m, 'channeltype') ?? '', peer: need('peer'), peerStatus: need('peerstatus') };
    case 'QueueMemberStatus':
      return {
        type: 'QueueMemberStatus',
        queue: need('queue'),
        interface: need('interface'),
        membership: field(m, 'membership') ?? '',
        paused: field(m, 'paused') === '1',
        status: Number(field(m, 'status') ?? 0),
      };
    case 'FullyBooted':
      return { type: 'FullyBooted' };
    default: {
      const fields: Record<string, string> = {};
      for (const key of Object.keys(m)) {
        const v = field(m, key);
        if (v !== undefined && key !== 'event') fields[key] = v;
      }
      return { type: 'Other', name, fields };
    }
  }
}
