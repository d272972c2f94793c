import type { PresenceRequest } from '../domain/messages';
import type { StasisEntry } from '../dialplan-check/stasis-forms';

/** What an idle desk phone's feature code asks for (dialplan/receptionists.conf). */
export type PhoneCodeRequest =
  | { kind: 'presence'; request: PresenceRequest }
  | { kind: 'retrieve'; slot: string };

/** Media a phone hears after its code: done, or refused (unknown phone, not allowed now). */
export const PHONE_CODE_DONE_MEDIA = 'sound:beep';
export const PHONE_CODE_REFUSED_MEDIA = 'sound:beeperr';

/**
 * The desk phone behind a channel, from its name: `PJSIP/rx1-0000001a` is `PJSIP/rx1`. The
 * dialplan does not pass the phone (a value a phone could influence); the channel name is set by
 * the channel driver from the endpoint that placed the call.
 */
export function endpointOfChannelName(name: string): string | null {
  const m = /^([A-Za-z0-9]+\/[A-Za-z0-9_.+@-]+?)-[0-9a-f]{8,}(;[12])?$/.exec(name);
  return m ? m[1]! : null;
}

/**
 * The request of a `feature,...` Stasis entry. Pause reasons keyed on the phone become
 * `phone-<digits>` (or `phone` without digits), so they read like reasons set in the console.
 * `next` ends a pause or a wrap-up now, so the next waiting caller is offered at once.
 */
export function phoneCodeRequest(entry: Extract<StasisEntry, { kind: 'feature' }>): PhoneCodeRequest {
  switch (entry.feature) {
    case 'login':
    case 'unpause':
    case 'next':
      return { kind: 'presence', request: { kind: 'available' } };
    case 'logout':
      return { kind: 'presence', request: { kind: 'logged-out' } };
    case 'pause':
      return { kind: 'presence', request: { kind: 'paused', reason: entry.reasonCode ? `phone-${entry.reasonCode}` : 'phone' } };
    case 'retrieve':
      return { kind: 'retrieve', slot: entry.slot };
  }
}
