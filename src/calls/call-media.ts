import type { Logger } from 'pino';
import type { OverflowTreatment } from '../domain/model';
import type { CallControl } from '../ports/call-control';
import { PbxError } from '../ports/call-control';
import { callBridgeId } from './channel-ids';

/** The consultation bridge of an announced transfer: the receptionist and the contact, apart from the caller. */
export const CONSULT_BRIDGE_PREFIX = 'sb-consult-';

export function consultBridgeId(callId: string): string {
  return CONSULT_BRIDGE_PREFIX + callId;
}

interface MediaState {
  answered: boolean;
  bridged: boolean;
  moh: boolean;
  /** A consultation bridge exists for this call (announced transfer). */
  consult?: boolean;
  /** Steps for one call run in order; different calls never wait on each other. */
  chain: Promise<void>;
  playbackSeq: number;
}

export interface OverflowOutcome {
  callId: string;
  recording: string | null;
}

/**
 * What the caller hears and which bridge they are in, one call at a time. Every step is
 * idempotent and tolerant of a channel that has just gone (404), since hang-ups race with
 * everything.
 */
export class CallMedia {
  private readonly calls = new Map<string, MediaState>();
  private readonly playbackWaiters = new Map<string, () => void>();
  private readonly recordingWaiters = new Map<string, (ok: boolean) => void>();
  private legPlaybackSeq = 0;

  constructor(
    private readonly pbx: CallControl,
    private readonly logger: Logger,
  ) {}

  /** Restores what we know of a call's media after a restart (it is already bridged or not). */
  adopt(callId: string, state: { answered: boolean; bridged: boolean; moh: boolean }): void {
    this.calls.set(callId, { ...state, chain: Promise.resolve(), playbackSeq: 0 });
  }

  forget(callId: string): void {
    const state = this.calls.get(callId);
    this.calls.delete(callId);
    // Playbacks to a caller who has gone will never report; let their flows finish.
    for (const [id, resolve] of this.playbackWaiters) {
      if (id.startsWith(`sb-play-${callId}-`)) {
        this.playbackWaiters.delete(id);
        resolve();
      }
    }
    if (state?.bridged) void this.quietly(callId, 'destroy bridge', () => this.pbx.destroyBridge(callBridgeId(callId)));
    if (state?.consult) void this.quietly(callId, 'destroy consultation bridge', () => this.pbx.destroyBridge(consultBridgeId(callId)));
  }

  // ---- announced transfer: the receptionist consults a contact apart from the caller -------

  /** The receptionist's leg leaves the caller's bridge for the consultation bridge; the caller hears the client's music. */
  consultStart(callId: string, offerId: string, mohClass: string): void {
    this.step(callId, 'consult start', async (s) => {
      await this.ensureBridged(callId, s);
      await this.pbx.createBridge(consultBridgeId(callId)).catch((err) => {
        if (!(err instanceof PbxError && err.status === 409)) throw err;
      });
      s.consult = true;
      await this.pbx.removeFromBridge(callBridgeId(callId), offerId).catch((err) => this.logFailure(callId, 'consult leave', err));
      await this.pbx.addToBridge(consultBridgeId(callId), [offerId]);
      if (!s.moh) {
        await this.pbx.startBridgeMoh(callBridgeId(callId), mohClass);
        s.moh = true;
      }
    });
  }

  /** The contact answered: into the consultation bridge with the receptionist. */
  consultConnect(callId: string, channelId: string): void {
    this.step(callId, 'consult connect', async () => {
      await this.pbx.addToBridge(consultBridgeId(callId), [channelId]);
    });
  }

  /** The consultation is over without a transfer: the receptionist is back with the caller (also after a restart). */
  consultReturn(callId: string, offerId: string): void {
    this.step(callId, 'consult return', async (s) => {
      await this.rejoinCaller(callId, s, [offerId]);
    });
  }

  /** Completed: the contact joins the caller (the receptionist's leg is hung up apart). */
  consultComplete(callId: string, channelId: string): void {
    this.step(callId, 'consult complete', async (s) => {
      await this.rejoinCaller(callId, s, [channelId]);
    });
  }

  /** Three-way: the receptionist and the contact both join the caller. */
  consultThreeWay(callId: string, offerId: string, channelId: string): void {
    this.step(callId, 'consult three-way', async (s) => {
      await this.rejoinCaller(callId, s, [offerId, channelId]);
    });
  }

  private async rejoinCaller(callId: string, s: MediaState, channelIds: string[]): Promise<void> {
    // After a restart the music's state is unknown: stopping none is fine.
    s.moh = false;
    await this.pbx.stopBridgeMoh(callBridgeId(callId)).catch(() => undefined);
    for (const id of channelIds) await this.pbx.removeFromBridge(consultBridgeId(callId), id).catch(() => undefined);
    await this.pbx.addToBridge(callBridgeId(callId), channelIds);
    s.consult = false;
    await this.pbx.destroyBridge(consultBridgeId(callId)).catch(() => undefined);
  }

  ring(callId: string): void {
    this.step(callId, 'ring', async (s) => {
      if (!s.answered) await this.pbx.ring(callId);
    });
  }

  hold(callId: string, mohClass: string): void {
    this.step(callId, 'hold', async (s) => {
      await this.ensureBridged(callId, s);
      if (!s.moh) {
        await this.pbx.startBridgeMoh(callBridgeId(callId), mohClass);
        s.moh = true;
      }
    });
  }

  connect(callId: string, offerId: string): void {
    this.step(callId, 'connect', async (s) => {
      await this.ensureBridged(callId, s);
      if (s.moh) {
        s.moh = false;
        await this.pbx.stopBridgeMoh(callBridgeId(callId)).catch((err) => this.ignoreGone(err));
      }
      await this.pbx.addToBridge(callBridgeId(callId), [offerId]);
    });
  }

  /** A callback's receptionist: alone in the call's bridge with hold music until the callee answers. */
  holdReceptionist(callId: string, offerId: string, mohClass: string): void {
    this.step(callId, 'hold receptionist', async (s) => {
      s.answered = true; // no caller's channel behind a callback entry
      await this.pbx.createBridge(callBridgeId(callId)).catch((err) => {
        if (!(err instanceof PbxError && err.status === 409)) throw err;
      });
      s.bridged = true;
      await this.pbx.addToBridge(callBridgeId(callId), [offerId]);
      await this.pbx.startBridgeMoh(callBridgeId(callId), mohClass);
      s.moh = true;
    });
  }

  connectCallee(callId: string, channelId: string): void {
    this.step(callId, 'connect callee', async (s) => {
      if (s.moh) {
        s.moh = false;
        await this.pbx.stopBridgeMoh(callBridgeId(callId)).catch((err) => this.ignoreGone(err));
      }
      await this.pbx.addToBridge(callBridgeId(callId), [channelId]);
    });
  }

  /** Hold by the receptionist: the caller leaves the bridge and hears music; the receptionist's leg stays. */
  holdAside(callId: string, mohClass: string): void {
    this.step(callId, 'hold aside', async (s) => {
      if (s.bridged) await this.pbx.removeFromBridge(callBridgeId(callId), callId).catch((err) => this.ignoreGone(err));
      await this.pbx.startChannelMoh(callId, mohClass);
    });
  }

  resume(callId: string): void {
    this.step(callId, 'resume', async (s) => {
      await this.pbx.stopChannelMoh(callId).catch((err) => this.ignoreGone(err));
      // After a restart the caller may not be known as bridged: ensureBridged then adds them.
      const known = s.bridged;
      await this.ensureBridged(callId, s);
      if (known) await this.pbx.addToBridge(callBridgeId(callId), [callId]);
    });
  }

  /** The caller leaves the call's bridge for good (voicemail is recorded from them alone). */
  unbridge(callId: string): void {
    this.step(callId, 'unbridge', async (s) => {
      await this.pbx.stopChannelMoh(callId).catch(() => undefined); // on hold or not: nothing to stop is fine
      if (!s.bridged) return;
      s.bridged = false;
      s.moh = false;
      await this.pbx.removeFromBridge(callBridgeId(callId), callId).catch((err) => this.ignoreGone(err));
      await this.pbx.destroyBridge(callBridgeId(callId)).catch((err) => this.ignoreGone(err));
    });
  }

  /** A blind transfer's destination answered: it joins the caller's bridge, the music stops. */
  connectTransfer(callId: string, channelId: string): void {
    this.step(callId, 'connect transfer', async (s) => {
      await this.ensureBridged(callId, s);
      if (s.moh) {
        s.moh = false;
        await this.pbx.stopBridgeMoh(callBridgeId(callId)).catch((err) => this.ignoreGone(err));
      }
      await this.pbx.addToBridge(callBridgeId(callId), [channelId]);
    });
  }

  /** A short sound on one leg only (the receptionist's error tone); never waits, never throws. */
  playToLeg(channelId: string, media: string[]): void {
    const playbackId = `sb-fc-${channelId}-${++this.legPlaybackSeq}`;
    this.pbx.play(channelId, media, playbackId).catch((err) => this.logFailure(channelId, 'play to leg', err));
  }

  /** Plays a last message on a channel we are done with, then hangs it up (bounded wait). */
  async playThenHangup(channelId: string, media: string[], maxMs = 15_000): Promise<void> {
    const playbackId = `sb-bye-${channelId}`;
    const finished = new Promise<void>((resolve) => {
      this.playbackWaiters.set(playbackId, resolve);
      setTimeout(resolve, maxMs).unref();
    });
    try {
      await this.pbx.play(channelId, media, playbackId);
      await finished;
    } catch (err) {
      this.logFailure(channelId, 'goodbye', err);
    } finally {
      this.playbackWaiters.delete(playbackId);
    }
    await this.pbx.hangup(channelId).catch((err) => this.logFailure(channelId, 'hangup', err));
  }

  play(callId: string, media: string[]): void {
    this.step(callId, 'play', async (s) => {
      if (!s.answered) return;
      await this.pbx.play(callId, media, `sb-prompt-${callId}-${++s.playbackSeq}`);
    });
  }

  /** Voicemail or a closing announcement; resolves when it is over (or the caller left). */
  overflow(callId: string, treatment: OverflowTreatment, done: (outcome: OverflowOutcome) => void): void {
    this.step(callId, 'overflow', async (s) => {
      if (!s.answered) {
        await this.pbx.answer(callId);
        s.answered = true;
      }
      if (s.moh) {
        s.moh = false;
        await this.pbx.stopBridgeMoh(callBridgeId(callId)).catch((err) => this.ignoreGone(err));
      }
      if (treatment.kind === 'announcement') {
        await this.playAndWait(callId, [treatment.media], s);
        done({ callId, recording: null });
        return;
      }
      await this.playAndWait(callId, [treatment.greeting], s);
      const name = `voicemail-${callId}`;
      const finished = new Promise<boolean>((resolve) => this.recordingWaiters.set(name, resolve));
      try {
        await this.pbx.record(callId, name, { maxSeconds: treatment.maxSeconds });
      } catch (err) {
        this.recordingWaiters.delete(name);
        throw err;
      }
      const ok = await finished;
      done({ callId, recording: ok ? name : null });
    }).catch(() => done({ callId, recording: null }));
  }

  playbackFinished(playbackId: string): void {
    const waiter = this.playbackWaiters.get(playbackId);
    if (waiter) {
      this.playbackWaiters.delete(playbackId);
      waiter();
    }
  }

  recordingFinished(name: string, ok: boolean): void {
    const waiter = this.recordingWaiters.get(name);
    if (waiter) {
      this.recordingWaiters.delete(name);
      waiter(ok);
    }
  }

  private async playAndWait(callId: string, media: string[], s: MediaState): Promise<void> {
    const playbackId = `sb-play-${callId}-${++s.playbackSeq}`;
    const finished = new Promise<void>((resolve) => this.playbackWaiters.set(playbackId, resolve));
    try {
      await this.pbx.play(callId, media, playbackId);
    } catch (err) {
      this.playbackWaiters.delete(playbackId);
      if (err instanceof PbxError && err.notFound) throw err;
      this.logger.warn({ callId, err: (err as Error).message }, 'playback failed; going on without it');
      return;
    }
    await finished;
  }

  private async ensureBridged(callId: string, s: MediaState): Promise<void> {
    if (!s.answered) {
      await this.pbx.answer(callId);
      s.answered = true;
    }
    if (!s.bridged) {
      await this.pbx.createBridge(callBridgeId(callId)).catch((err) => {
        if (!(err instanceof PbxError && err.status === 409)) throw err; // 409: it exists already
      });
      s.bridged = true;
      await this.pbx.addToBridge(callBridgeId(callId), [callId]);
    }
  }

  private step(callId: string, what: string, fn: (s: MediaState) => Promise<void>): Promise<void> {
    let s = this.calls.get(callId);
    if (!s) {
      s = { answered: false, bridged: false, moh: false, chain: Promise.resolve(), playbackSeq: 0 };
      this.calls.set(callId, s);
    }
    const state = s;
    const run = state.chain.then(() => fn(state));
    state.chain = run.catch((err) => this.logFailure(callId, what, err));
    return run;
  }

  private ignoreGone(err: unknown): void {
    if (!(err instanceof PbxError && err.notFound)) throw err;
  }

  private logFailure(callId: string, what: string, err: unknown): void {
    const gone = err instanceof PbxError && (err.notFound || err.status === 422 || err.status === 409);
    this.logger[gone ? 'debug' : 'warn']({ callId, step: what, err: (err as Error).message }, 'call media step failed');
  }

  private async quietly(callId: string, what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.logFailure(callId, what, err);
    }
  }
}
