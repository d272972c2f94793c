/**
 * The PBX as end-to-end tests see it: callers on the trunk and receptionist desk phones.
 *
 * Two implementations: `simulator-lab.ts` (our Asterisk 22 simulator, through its control API)
 * and `asterisk-lab.ts` (a real Asterisk 22, where callers and phones are played by Local/
 * channels handled by a second ARI app of the harness). Tests use only this interface plus
 * plain ARI REST reads (`ari.get('/bridges')`), so they run unchanged against either.
 */

export type PhoneBehaviour =
  | { kind: 'answer'; afterMs: number }
  | { kind: 'busy' }
  | { kind: 'no-answer' }
  | { kind: 'unreachable' };

export interface PlaceCallOptions {
  /** The number dialled (DID). */
  did: string;
  callerName: string;
  callerNumber: string;
}

/** What a caller's channel is doing now, as far as the PBX can tell. */
export interface CallerView {
  /** false once the caller's channel is gone. */
  alive: boolean;
  /** Channel id as Switchboard sees it (the channel that entered Stasis(switchboard)). */
  channelId: string;
  /** Asterisk channel state: Ring, Ringing, Up, ... */
  state: string;
  /** Name of the phone (as given to setPhone) the caller is bridged with, if any. */
  connectedTo: string | null;
  /** Music-on-hold class the caller hears, when the lab can tell (null when none or unknown). */
  mohClass: string | null;
  /** Media being played to the caller now (e.g. 'sound:vm-intro'), when the lab can tell. */
  playing: string | null;
  /** Name of a recording being made of the caller, when the lab can tell. */
  recording: string | null;
  /** true when Stasis(switchboard) failed and the dialplan fallback took the call. */
  fellBack: boolean;
}

export interface PhoneView {
  name: string;
  /** Offers (originates) this phone has received since the lab started. */
  offers: number;
  /** true while the phone is ringing. */
  ringing: boolean;
  /** Channel id of the phone's answered call, if any (as Switchboard sees it). */
  activeChannelId: string | null;
}

export interface LabCall {
  readonly did: string;
  /** Resolves once Switchboard owns the call (it entered Stasis) or the fallback took it. */
  ready(): Promise<void>;
  view(): Promise<CallerView>;
  hangup(): Promise<void>;
  sendDtmf(digits: string): Promise<void>;
}

export interface Lab {
  readonly kind: 'simulator' | 'asterisk';
  /** Where Switchboard connects (http://host:port), its ARI user and password, its app name. */
  readonly ari: { url: string; user: string; password: string; app: string };
  /** Media-level observations (moh class, playback, recording) are available. */
  readonly observesMedia: boolean;
  /** The ARI dial string Switchboard must use to ring this phone. */
  endpointFor(phone: string): string;
  setPhone(phone: string, behaviour: PhoneBehaviour): Promise<void>;
  phone(phone: string): Promise<PhoneView>;
  /** Hang up the phone's current call (the receptionist puts the handset down). */
  phoneHangup(phone: string): Promise<void>;
  /** Digits keyed on the phone during its answered call (RFC 4733, as a desk phone sends them). */
  phoneSendDtmf(phone: string, digits: string): Promise<void>;
  /** Pick up a ringing phone now (for phones set to 'no-answer'); used by race tests. */
  phoneAnswer(phone: string): Promise<void>;
  placeCall(opts: PlaceCallOptions): Promise<LabCall>;
  /** Wait until `check` returns a truthy value; polls. Throws with `what` on timeout. */
  waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs?: number): Promise<T>;
  /** Hang up everything the lab created. */
  reset(): Promise<void>;
  close(): Promise<void>;
}
