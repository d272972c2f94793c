/** The simulator's channels and bridges, and their JSON as Asterisk 22 serialises them. */

export type ChannelState = 'Down' | 'Rsrvd' | 'OffHook' | 'Dialing' | 'Ring' | 'Ringing' | 'Up' | 'Busy';

export type PhoneBehaviour =
  | { kind: 'answer'; afterMs: number }
  | { kind: 'busy' }
  | { kind: 'no-answer' }
  | { kind: 'unreachable' };

export interface SimChannel {
  id: string;
  name: string;
  state: ChannelState;
  protocolId: string;
  caller: { name: string; number: string };
  connected: { name: string; number: string };
  dialplan: { context: string; exten: string; priority: number; app_name: string; app_data: string };
  creationtime: string;
  createdAtMs: number;
  alive: boolean;
  /** The Stasis app that controls it now (null outside Stasis). */
  stasisApp: string | null;
  /** The app that originated it: it gets the leg's Dial and ChannelDestroyed events. */
  originatedBy: string | null;
  appArgs: string[];
  /** For receptionist legs: the phone (endpoint resource) it rings. */
  phone: string | null;
  bridgeId: string | null;
  moh: string | null;
  playing: string | null;
  recording: string | null;
  ringingIndicated: boolean;
  fellBack: boolean;
  /**
   * Set on channels made by ARI `POST /channels/create`: what `/dial` will call (Asterisk keeps
   * it in a channel datastore) and whether it has been dialled.
   */
  ariDial: { dialstring: string; dialed: boolean } | null;
  variables: Record<string, string>;
  timers: NodeJS.Timeout[];
}

export interface SimBridge {
  id: string;
  name: string;
  types: string[];
  technology: 'simple_bridge' | 'native_rtp' | 'holding_bridge';
  channels: string[];
  creationtime: string;
  app: string;
  moh: string | null;
}

export interface SimPlayback {
  id: string;
  media: string[];
  channelId: string;
  timer: NodeJS.Timeout | null;
}

export interface SimRecording {
  name: string;
  format: string;
  channelId: string;
  terminateOn: string;
  startedAt: number;
  timer: NodeJS.Timeout | null;
}

/** Asterisk's timestamp format: 2026-11-22T10:22:51.273+0000. */
export function asteriskTime(ms = Date.now()): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export function channelJson(c: SimChannel) {
  return {
    id: c.id,
    name: c.name,
    state: c.state,
    protocol_id: c.protocolId,
    caller: { ...c.caller },
    connected: { ...c.connected },
    accountcode: '',
    dialplan: { ...c.dialplan },
    creationtime: c.creationtime,
    language: 'en',
  };
}

export function bridgeJson(b: SimBridge) {
  return {
    id: b.id,
    technology: b.technology,
    bridge_type: b.types.includes('holding') ? 'holding' : 'mixing',
    bridge_class: 'stasis',
    creator: 'Stasis',
    name: b.name,
    channels: [...b.channels],
    creationtime: b.creationtime,
    video_mode: 'talker',
  };
}

/** Hang-up causes as Asterisk names them (ChannelDestroyed.cause_txt). */
export const CAUSE_TEXT: Record<number, string> = {
  16: 'Normal Clearing',
  17: 'User busy',
  19: 'User alerting, no answer',
  20: 'Subscriber absent',
  21: 'Call Rejected',
  34: 'Circuit/channel congestion',
  32: 'Normal Clearing',
};

/** DELETE /channels reason -> cause code (ARI's channels.json). */
export const REASON_CAUSE: Record<string, number> = {
  normal: 16,
  busy: 17,
  congestion: 34,
  no_answer: 19,
  timeout: 19,
  rejected: 21,
  unallocated: 1,
  normal_unspecified: 31,
  number_incomplete: 28,
  codec_mismatch: 58,
  interworking: 127,
  failure: 38,
  answered_elsewhere: 26,
};
