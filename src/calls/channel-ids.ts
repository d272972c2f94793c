/** Ids Switchboard chooses, so that state can be rebuilt from what Asterisk reports. */

export const OFFER_PREFIX = 'sb-offer-';
export const CALL_BRIDGE_PREFIX = 'sb-call-';

/** The receptionist's leg of an offer: `sb-offer-<receptionistId>-<unique>`. */
export function newOfferChannelId(receptionistId: string, unique: string): string {
  return `${OFFER_PREFIX}${receptionistId}-${unique}`;
}

/** The outbound leg of a blind transfer: `sb-xfer-<callId>-<n>`. */
export const TRANSFER_PREFIX = 'sb-xfer-';

export function isTransferChannel(channelId: string): boolean {
  return channelId.startsWith(TRANSFER_PREFIX);
}

export function isOfferChannel(channelId: string): boolean {
  return channelId.startsWith(OFFER_PREFIX);
}

/** Finds which receptionist an offer leg belongs to (ids may contain '-', so match known ids). */
export function receptionistOfOffer(channelId: string, receptionistIds: Iterable<string>): string | undefined {
  if (!isOfferChannel(channelId)) return undefined;
  const rest = channelId.slice(OFFER_PREFIX.length);
  let best: string | undefined;
  for (const id of receptionistIds) {
    if (rest.startsWith(id + '-') && (!best || id.length > best.length)) best = id;
  }
  return best;
}

export function callBridgeId(callId: string): string {
  return CALL_BRIDGE_PREFIX + callId;
}

export function callIdOfBridge(bridgeId: string): string | undefined {
  return bridgeId.startsWith(CALL_BRIDGE_PREFIX) ? bridgeId.slice(CALL_BRIDGE_PREFIX.length) : undefined;
}

/** Stasis(switchboard,inbound,<did>) puts "switchboard,inbound,<did>" in the channel's app_data. */
export function inboundDidFromAppData(appData: string, app: string): string | undefined {
  const parts = appData.split(',');
  if (parts[0] !== app || parts[1] !== 'inbound') return undefined;
  return parts[2] ?? '';
}

/** A dialled number as it may be looked up: digits and a leading +, at most 20 characters. */
export function cleanDid(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const trimmed = raw.trim();
  if (!/^\+?[0-9]{1,20}$/.test(trimmed)) return null;
  return trimmed;
}

/** Caller ID text is data from a stranger: printable, bounded, never control characters. */
export function cleanCallerText(raw: unknown, max: number): string {
  if (typeof raw !== 'string') return '';
  return raw.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, max);
}
