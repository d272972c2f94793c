import type { AriEvent } from '../adapters/ari/ari-connection';
import type { LegEndReason } from '../domain/messages';
import type { PbxChannel } from '../ports/call-control';
import { toPbxChannel } from '../adapters/ari/ari-call-control';
import { isOfferChannel, isTransferChannel } from './channel-ids';
import { CALLBACK_CHANNEL_PREFIX } from '../domain/callbacks';

const isCalleeChannel = (id: string) => id.startsWith(CALLBACK_CHANNEL_PREFIX);

/** ARI events, reduced to the facts the call path acts on. */
export type StasisFact =
  | { kind: 'caller-entered'; channel: PbxChannel; args: string[] }
  | { kind: 'offer-answered'; offerId: string }
  | { kind: 'offer-dial-status'; offerId: string; status: string }
  | { kind: 'offer-destroyed'; offerId: string; cause: number }
  | { kind: 'offer-left'; offerId: string }
  | { kind: 'caller-left'; callId: string }
  | { kind: 'playback-finished'; playbackId: string }
  | { kind: 'recording-finished'; name: string; ok: boolean }
  | { kind: 'endpoint-state'; resource: string; online: boolean }
  | { kind: 'replaced' }
  /** A digit from a caller's channel (waiting callers are in a dtmf_events bridge or none). */
  | { kind: 'caller-dtmf'; callId: string; digit: string }
  /** The outbound leg of a callback attempt. */
  | { kind: 'callee-answered'; channelId: string }
  | { kind: 'callee-dial-status'; channelId: string; status: string }
  | { kind: 'callee-destroyed'; channelId: string; cause: number }
  | { kind: 'callee-left'; channelId: string }
  /** A digit from a receptionist's leg: feature codes. Only this leg's digits are ever read as codes. */
  | { kind: 'receptionist-dtmf'; offerId: string; digit: string }
  /** The outbound leg of a blind transfer. */
  | { kind: 'transfer-answered'; channelId: string }
  | { kind: 'transfer-dial-status'; channelId: string; status: string }
  | { kind: 'transfer-destroyed'; channelId: string; cause: number }
  | { kind: 'transfer-left'; channelId: string }
  | { kind: 'ignored' };

function channelOf(e: AriEvent, key = 'channel'): { id: string } | null {
  const c = e[key] as { id?: unknown } | undefined;
  return c && typeof c.id === 'string' ? (c as { id: string }) : null;
}

/** Pure translation; anything malformed or unknown becomes `ignored`. */
export function readStasisEvent(e: AriEvent): StasisFact {
  switch (e.type) {
    case 'StasisStart': {
      const ch = channelOf(e);
      if (!ch) return { kind: 'ignored' };
      if (isOfferChannel(ch.id)) return { kind: 'offer-answered', offerId: ch.id };
      if (isCalleeChannel(ch.id)) return { kind: 'callee-answered', channelId: ch.id };
      if (isTransferChannel(ch.id)) return { kind: 'transfer-answered', channelId: ch.id };
      const args = Array.isArray(e.args) ? e.args.filter((a): a is string => typeof a === 'string') : [];
      return { kind: 'caller-entered', channel: toPbxChannel(ch as Parameters<typeof toPbxChannel>[0]), args };
    }
    case 'StasisEnd': {
      const ch = channelOf(e);
      if (!ch) return { kind: 'ignored' };
      if (isCalleeChannel(ch.id)) return { kind: 'callee-left', channelId: ch.id };
      if (isTransferChannel(ch.id)) return { kind: 'transfer-left', channelId: ch.id };
      return isOfferChannel(ch.id) ? { kind: 'offer-left', offerId: ch.id } : { kind: 'caller-left', callId: ch.id };
    }
    case 'Dial': {
      const peer = channelOf(e, 'peer');
      if (peer && isCalleeChannel(peer.id) && typeof e.dialstatus === 'string') return { kind: 'callee-dial-status', channelId: peer.id, status: e.dialstatus };
      if (peer && isTransferChannel(peer.id) && typeof e.dialstatus === 'string') return { kind: 'transfer-dial-status', channelId: peer.id, status: e.dialstatus };
      if (!peer || !isOfferChannel(peer.id) || typeof e.dialstatus !== 'string') return { kind: 'ignored' };
      return { kind: 'offer-dial-status', offerId: peer.id, status: e.dialstatus };
    }
    case 'ChannelDestroyed': {
      const ch = channelOf(e);
      if (ch && isCalleeChannel(ch.id)) return { kind: 'callee-destroyed', channelId: ch.id, cause: typeof e.cause === 'number' ? e.cause : 0 };
      if (ch && isTransferChannel(ch.id)) return { kind: 'transfer-destroyed', channelId: ch.id, cause: typeof e.cause === 'number' ? e.cause : 0 };
      if (!ch || !isOfferChannel(ch.id)) return { kind: 'ignored' };
      return { kind: 'offer-destroyed', offerId: ch.id, cause: typeof e.cause === 'number' ? e.cause : 0 };
    }
    case 'PlaybackFinished': {
      const p = e.playback as { id?: unknown } | undefined;
      return p && typeof p.id === 'string' ? { kind: 'playback-finished', playbackId: p.id } : { kind: 'ignored' };
    }
    case 'RecordingFinished':
    case 'RecordingFailed': {
      const r = e.recording as { name?: unknown } | undefined;
      return r && typeof r.name === 'string' ? { kind: 'recording-finished', name: r.name, ok: e.type === 'RecordingFinished' } : { kind: 'ignored' };
    }
    case 'EndpointStateChange': {
      const ep = e.endpoint as { technology?: unknown; resource?: unknown; state?: unknown } | undefined;
      if (!ep || typeof ep.technology !== 'string' || typeof ep.resource !== 'string') return { kind: 'ignored' };
      return { kind: 'endpoint-state', resource: `${ep.technology}/${ep.resource}`, online: ep.state !== 'offline' };
    }
    case 'ChannelDtmfReceived': {
      const ch = channelOf(e);
      if (!ch || typeof e.digit !== 'string' || isCalleeChannel(ch.id) || isTransferChannel(ch.id)) return { kind: 'ignored' };
      if (isOfferChannel(ch.id)) return { kind: 'receptionist-dtmf', offerId: ch.id, digit: e.digit.slice(0, 1) };
      return { kind: 'caller-dtmf', callId: ch.id, digit: e.digit.slice(0, 1) };
    }
    case 'ApplicationReplaced':
      return { kind: 'replaced' };
    default:
      return { kind: 'ignored' };
  }
}

/** Why an unanswered receptionist leg ended: the last Dial status, else the hang-up cause. */
export function legEndReason(dialStatus: string | undefined, cause: number, answered: boolean): LegEndReason {
  if (answered) return 'hangup';
  switch (dialStatus) {
    case 'BUSY':
      return 'busy';
    case 'NOANSWER':
      return 'no-answer';
    case 'CHANUNAVAIL':
    case 'CONGESTION':
      return 'unreachable';
  }
  if (cause === 17) return 'busy';
  if (cause === 18 || cause === 19) return 'no-answer';
  if ([1, 3, 20, 27, 34, 38, 41, 42].includes(cause)) return 'unreachable';
  return 'failed';
}

/**
 * What was seen of each outbound leg (its dial status, whether it answered) until it is
 * destroyed, when it says why the leg ended: ChannelDestroyed alone cannot tell.
 */
export class LegOutcomes {
  private readonly dialStatus = new Map<string, string>();
  private readonly answeredLegs = new Set<string>();

  dialled(channelId: string, status: string): void {
    this.dialStatus.set(channelId, status);
  }

  answered(channelId: string): void {
    this.answeredLegs.add(channelId);
  }

  /** The leg is gone: why, and it is forgotten. */
  destroyed(channelId: string, cause: number): LegEndReason {
    const reason = legEndReason(this.dialStatus.get(channelId), cause, this.answeredLegs.has(channelId));
    this.dialStatus.delete(channelId);
    this.answeredLegs.delete(channelId);
    return reason;
  }
}
