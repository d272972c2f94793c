import type { CallSnapshot, Command, LegEndReason, PresenceRequest, SwitchboardEvent, TimelineEntry } from '../../../src/domain/messages';
import type { CallerId, ClientProfile, ReceptionistProfile } from '../../../src/domain/model';
import type { ReceptionistSnapshot } from '../../../src/domain/receptionist';
import { Switchboard, type FeatureRequest, type FeatureResult, type SwitchboardDeps } from '../../../src/domain/switchboard';
import { FakeClock, TimerWheel } from './timer-wheel';

/**
 * A scenario harness around the real Switchboard: a fake clock, a timer wheel that fires due
 * timers in order as time advances, and a record of every command. Helpers are named after what
 * happens in the office (a call arrives, a receptionist answers), so tests read as scenarios.
 */

export function clientProfile(overrides: Partial<ClientProfile> = {}): ClientProfile {
  return {
    id: 'acme',
    name: 'Acme Plumbing',
    greeting: 'Acme Plumbing, how can I help?',
    mohClass: 'acme-moh',
    holdPrompt: null,
    announcePosition: false,
    priorityTier: 0,
    maxWaitSeconds: 0,
    overflow: { kind: 'voicemail', mailbox: 'acme', greeting: 'sound:acme-vm', maxSeconds: 120 },
    ...overrides,
  };
}

export function receptionistProfile(id: string, overrides: Partial<ReceptionistProfile> = {}): ReceptionistProfile {
  return {
    id,
    name: id.toUpperCase(),
    endpoint: `PJSIP/${id}`,
    groupId: 'front-desk',
    wrapUpSeconds: 10,
    ringTimeoutSeconds: 15,
    maxMissedOffers: 3,
    ...overrides,
  };
}

export type OriginateCommand = Extract<Command, { type: 'originate' }>;

export interface Step {
  at: number;
  input: string;
  commands: Command[];
}

export interface ArrivalOptions {
  client?: ClientProfile;
  caller?: CallerId;
  did?: string;
  arrivedAt?: number;
}

export class Office {
  readonly clock: FakeClock;
  readonly timers = new TimerWheel();
  readonly sb: Switchboard;
  readonly steps: Step[] = [];
  /** Every command, in order, since the office opened. */
  readonly history: Command[] = [];
  /** Commands of the last step (including any timers fired by `advance`). */
  last: Command[] = [];
  client: ClientProfile = clientProfile();
  /** Set false in a test that wants to see a broken state instead of an invariant error. */
  checkInvariants = true;
  private readonly offerSeq = new Map<string, number>();
  /** The last saved snapshot of each receptionist, to check what an originate was aimed at. */
  private readonly lastSaved = new Map<string, ReceptionistSnapshot>();

  constructor(start = 0, deps: Partial<SwitchboardDeps> = {}) {
    this.clock = new FakeClock(start);
    this.sb = new Switchboard({
      ...deps,
      newOfferId: (rid) => {
        const n = (this.offerSeq.get(rid) ?? 0) + 1;
        this.offerSeq.set(rid, n);
        return `offer-${rid}-${n}`;
      },
    });
  }

  get now(): number {
    return this.clock.now();
  }

  // ---- givens ----------------------------------------------------------------------------

  /** Adds receptionists (logged out) with the given profile overrides. */
  hire(ids: string[], overrides: Partial<ReceptionistProfile> = {}): this {
    for (const id of ids) this.sb.upsertReceptionist(receptionistProfile(id, overrides), this.now);
    return this;
  }

  /**
   * Receptionists who log in at the given times, in time order, so each is idle since then.
   * `givenReceptionists({ ann: 1000, bob: 2000 })`.
   */
  givenReceptionists(idleSince: Record<string, number>, overrides: Partial<ReceptionistProfile> = {}): this {
    const entries = Object.entries(idleSince).sort((a, b) => a[1] - b[1]);
    this.hire(entries.map(([id]) => id), overrides);
    for (const [id, t] of entries) {
      this.advanceTo(t);
      this.setPresence(id, { kind: 'available' });
    }
    return this;
  }

  // ---- things that happen ----------------------------------------------------------------

  callArrives(callId: string, opts: ArrivalOptions = {}): Command[] {
    return this.handle({
      type: 'call-arrived',
      callId,
      client: opts.client ?? this.client,
      did: opts.did ?? '5035550100',
      caller: opts.caller ?? { name: `Caller ${callId}`, number: '5035551234' },
      knownNumber: true,
      ...(opts.arrivedAt !== undefined ? { arrivedAt: opts.arrivedAt } : {}),
    });
  }

  answer(offerId: string): Command[] {
    return this.handle({ type: 'offer-answered', offerId });
  }

  /** The receptionist picks up whatever is ringing on their phone. */
  pickUp(receptionistId: string): Command[] {
    return this.answer(this.ringingOffer(receptionistId));
  }

  legEnds(offerId: string, reason: LegEndReason): Command[] {
    return this.handle({ type: 'leg-ended', offerId, reason });
  }

  /** The receptionist on this call puts the phone down. */
  receptionistHangsUp(callId: string): Command[] {
    const call = this.call(callId);
    if (!call?.offer) throw new Error(`call ${callId} has no leg`);
    return this.legEnds(call.offer.offerId, 'hangup');
  }

  callerHangsUp(callId: string): Command[] {
    return this.handle({ type: 'caller-left', callId });
  }

  /** The receptionist asks for an in-call operation (a feature code or the API). */
  feature(req: FeatureRequest): FeatureResult {
    const result = this.sb.feature(req, this.now);
    this.record(`feature ${req.op.kind} ${req.callId}`, result.commands);
    this.last = result.commands;
    return result;
  }

  retrieve(slot: string, receptionistId: string) {
    const result = this.sb.retrieveParked(slot, receptionistId, this.now);
    if (result.ok) {
      this.record(`retrieve ${slot} ${receptionistId}`, result.commands);
      this.last = result.commands;
    }
    return result;
  }

  overflowFinishes(callId: string, recording: string | null): Command[] {
    return this.handle({ type: 'overflow-finished', callId, recording });
  }

  reachability(receptionistId: string, reachable: boolean): Command[] {
    return this.handle({ type: 'reachability-changed', receptionistId, reachable });
  }

  setPresence(receptionistId: string, request: PresenceRequest): Command[] {
    const result = this.sb.setPresence(receptionistId, request, this.now);
    if (!result.ok) throw new Error(result.code);
    this.record(`presence ${receptionistId} ${request.kind}`, result.commands);
    this.last = result.commands;
    return result.commands;
  }

  handle(event: SwitchboardEvent, input = describe(event)): Command[] {
    const commands = this.sb.handle(event, this.now);
    this.record(input, commands);
    this.last = commands;
    return commands;
  }

  restore(state: Parameters<Switchboard['restore']>[0]): Command[] {
    for (const r of state.receptionists) this.lastSaved.set(r.id, r);
    const commands = this.sb.restore(state, this.now);
    this.record('restore', commands);
    this.last = commands;
    return commands;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): Command[] {
    return this.advanceTo(this.now + ms);
  }

  advanceTo(t: number): Command[] {
    const fired: Command[] = [];
    for (let next = this.timers.takeNextDue(t); next; next = this.timers.takeNextDue(t)) {
      this.clock.set(next.due);
      const commands = this.sb.handle({ type: 'timer-fired', key: next.key }, this.now);
      this.record(`timer ${next.key}`, commands);
      fired.push(...commands);
    }
    this.clock.set(t);
    this.last = fired;
    return fired;
  }

  // ---- reading the state -----------------------------------------------------------------

  receptionist(id: string): ReceptionistSnapshot {
    const r = this.sb.receptionist(id);
    if (!r) throw new Error(`no receptionist ${id}`);
    return r;
  }

  presenceOf(id: string): string {
    return this.receptionist(id).presence.kind;
  }

  call(callId: string): CallSnapshot | undefined {
    return this.sb.listCalls().find((c) => c.id === callId);
  }

  ringingOffer(receptionistId: string): string {
    const p = this.receptionist(receptionistId).presence;
    if (p.kind !== 'ringing') throw new Error(`${receptionistId} is ${p.kind}, not ringing`);
    return p.offerId;
  }

  /** Who is ringing for which call, e.g. { c1: 'ann' }. */
  ringing(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const r of this.sb.listReceptionists()) if (r.presence.kind === 'ringing') out[r.presence.callId] = r.id;
    return out;
  }

  waitingIds(): string[] {
    return this.sb.waiting().map((c) => c.id);
  }

  /** Timeline entries logged for a call, in order. */
  timeline(callId: string): TimelineEntry[] {
    return this.history.flatMap((c) => (c.type === 'log' && c.entry.callId === callId ? [c.entry] : []));
  }

  lastSavedCall(callId: string): CallSnapshot | undefined {
    let found: CallSnapshot | undefined;
    for (const c of this.history) if (c.type === 'save-call' && c.call.id === callId) found = c.call;
    return found;
  }

  // ---- bookkeeping -----------------------------------------------------------------------

  private record(input: string, commands: Command[]): void {
    for (const c of commands) {
      if (c.type === 'originate') this.checkOriginate(c);
      if (c.type === 'start-timer') this.timers.start(c.key, c.ms, this.now);
      if (c.type === 'cancel-timer') this.timers.cancel(c.key);
      if (c.type === 'save-receptionist') this.lastSaved.set(c.receptionist.id, c.receptionist);
    }
    this.history.push(...commands);
    this.steps.push({ at: this.now, input, commands });
    if (this.checkInvariants) assertInvariants(this.sb, input);
  }

  /** An originate must be aimed at someone whose last saved state was available and reachable. */
  private checkOriginate(c: OriginateCommand): void {
    if (!this.checkInvariants) return;
    const r = this.lastSaved.get(c.offer.receptionistId);
    if (!r || r.presence.kind !== 'available' || !r.reachable) {
      throw new Error(`offered ${c.offer.callId} to ${c.offer.receptionistId} while ${r ? `${r.presence.kind}${r.reachable ? '' : ' (unreachable)'}` : 'logged-out'}`);
    }
  }
}

function describe(e: SwitchboardEvent): string {
  switch (e.type) {
    case 'call-arrived':
    case 'caller-left':
    case 'overflow-finished':
      return `${e.type} ${e.callId}`;
    case 'offer-answered':
      return `${e.type} ${e.offerId}`;
    case 'leg-ended':
      return `${e.type} ${e.offerId} ${e.reason}`;
    case 'timer-fired':
      return `timer ${e.key}`;
    case 'reachability-changed':
      return `${e.type} ${e.receptionistId} ${e.reachable}`;
    case 'transfer-answered':
      return `${e.type} ${e.channelId}`;
    case 'transfer-ended':
      return `${e.type} ${e.channelId} ${e.reason}`;
  }
}

/**
 * What must hold after every step: nobody idle while callers wait, and receptionists and calls
 * agree about who rings and who talks to whom.
 */
export function assertInvariants(sb: Switchboard, after: string): void {
  const fail = (why: string) => {
    throw new Error(`invariant broken after "${after}": ${why}`);
  };
  const calls = new Map(sb.listCalls().map((c) => [c.id, c]));
  const people = sb.listReceptionists();
  const waiting = sb.waiting();
  const free = people.filter((r) => r.presence.kind === 'available' && r.reachable);
  if (waiting.length > 0 && free.length > 0) fail(`${free.map((r) => r.id).join(',')} idle while ${waiting.map((c) => c.id).join(',')} wait`);
  for (const w of waiting) if (w.phase !== 'waiting') fail(`${w.id} is in the queue but ${w.phase}`);
  for (const r of people) {
    const p = r.presence;
    if (p.kind === 'ringing') {
      const call = calls.get(p.callId);
      if (!call || call.phase !== 'offering' || call.offer?.offerId !== p.offerId) fail(`${r.id} rings for ${p.offerId} but the call does not know it`);
    }
    if (p.kind === 'on-call') {
      const call = calls.get(p.callId);
      if (!call || call.phase !== 'connected' || call.receptionistId !== r.id) fail(`${r.id} is on-call for ${p.callId} but that call is not connected to them`);
    }
  }
  for (const call of calls.values()) {
    if (call.phase === 'offering') {
      const r = people.find((x) => x.id === call.offer?.receptionistId);
      if (!r || r.presence.kind !== 'ringing' || r.presence.offerId !== call.offer?.offerId) fail(`${call.id} is offering to someone not ringing for it`);
    }
    if (call.phase === 'waiting' && !waiting.some((w) => w.id === call.id)) fail(`${call.id} is waiting but not in the queue`);
  }
}

export const ofType = <T extends Command['type']>(commands: Command[], type: T): Extract<Command, { type: T }>[] =>
  commands.filter((c): c is Extract<Command, { type: T }> => c.type === type);

export const originates = (commands: Command[]): OriginateCommand[] => ofType(commands, 'originate');

/** "callId -> receptionistId" for each originate, in order. */
export const offered = (commands: Command[]): string[] => originates(commands).map((c) => `${c.offer.callId}->${c.offer.receptionistId}`);

/** Does a command concern this call? */
export function concerns(c: Command, callId: string): boolean {
  switch (c.type) {
    case 'originate':
      return c.offer.callId === callId;
    case 'log':
      return c.entry.callId === callId;
    case 'save-call':
      return c.call.id === callId;
    case 'save-receptionist': {
      const p = c.receptionist.presence;
      return 'callId' in p && p.callId === callId;
    }
    case 'screen-pop':
      return c.pop.callId === callId;
    case 'start-timer':
    case 'cancel-timer':
      return c.key.endsWith(`|${callId}`);
    default:
      return c.callId === callId;
  }
}
